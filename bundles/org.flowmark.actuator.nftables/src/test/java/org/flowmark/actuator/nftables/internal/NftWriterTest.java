package org.flowmark.actuator.nftables.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.Operation;
import org.junit.jupiter.api.Test;

/** The writer's recovery logic against a scripted fake nft. */
class NftWriterTest {

    /** Records scripts; fails those containing a trigger with a given error text. */
    static final class FakeNft implements Nft {
        final List<String> scripts = new ArrayList<>();
        String failWhenContains;
        String failText;
        int failTimes = Integer.MAX_VALUE;

        @Override
        public String run(String script) throws NftException {
            scripts.add(script);
            if (failWhenContains != null && script.contains(failWhenContains) && failTimes > 0) {
                failTimes--;
                throw new NftException(failText);
            }
            return "";
        }

        @Override
        public void close() {
        }
    }

    private final List<String> warnings = new ArrayList<>();

    @Test
    void recreatesTheTableWhenDeletedBehindItsBackAndRetries() throws Exception {
        FakeNft nft = new FakeNft();
        NftWriter w = new NftWriter(() -> nft, "inet flowmark", null, warnings::add);
        var f = Flows.flow(1, 4, 6, "10.0.0.2", 40001, "10.1.0.2", 80);
        w.apply(List.of(Flows.action(Operation.ADD, f, 60, "set", "web")));
        assertTrue(nft.scripts.get(0).startsWith("add table inet flowmark\nadd set"), nft.scripts.get(0));
        // second batch: set known, so no declaration; the kernel says it is gone (once), and the table too
        nft.failWhenContains = "add element";
        nft.failText = "Error: Could not process rule: No such file or directory\nadd element ...";
        nft.failTimes = 1;
        FakeNft listFails = nft;
        w.apply(List.of(Flows.action(Operation.REFRESH, f, 60, "set", "web")));
        List<String> s = listFails.scripts;
        assertEquals(5, s.size(), s.toString());
        assertTrue(s.get(1).startsWith("add element"), s.get(1));
        assertEquals("list table inet flowmark\n", s.get(2));
        assertEquals("add table inet flowmark\n", s.get(3));
        assertTrue(s.get(4).startsWith("add table inet flowmark\nadd set inet flowmark web"), s.get(4));
        assertEquals(0, w.failures);
    }

    @Test
    void aBadElementFailsAloneAndTheOthersAreApplied() {
        FakeNft nft = new FakeNft();
        NftWriter w = new NftWriter(() -> nft, "inet flowmark", null, warnings::add);
        nft.failWhenContains = "10.9.9.9";
        nft.failText = "Error: Could not process rule: Numerical result out of range";
        var good = Flows.flow(1, 4, 6, "10.0.0.2", 40001, "10.1.0.2", 80);
        var bad = Flows.flow(2, 4, 6, "10.0.0.2", 40001, "10.9.9.9", 80);
        ActuatorException e = assertThrows(ActuatorException.class, () -> w.apply(List.of(
                Flows.action(Operation.ADD, good, 60, "set", "web"), Flows.action(Operation.ADD, bad, 60, "set", "web"),
                Flows.action(Operation.ADD, good, 60))));
        assertEquals(2, e.failed(), e.getMessage());
        assertTrue(e.getMessage().contains("needs set=NAME"), e.getMessage());
        assertTrue(e.getMessage().contains("10.9.9.9 . 80 . 10.0.0.2: Error: Could not process rule: Numerical"),
                e.getMessage());
        assertEquals(1, w.elements);
    }

    @Test
    void notPermittedAndMissingLibraryAreClear() {
        FakeNft nft = new FakeNft();
        nft.failWhenContains = "";
        nft.failText = "Error: Could not process rule: Operation not permitted\nadd table inet flowmark";
        NftWriter w = new NftWriter(() -> nft, "inet flowmark", null, warnings::add);
        String why = w.start();
        assertTrue(why.contains("not permitted: run Flowmark as root or with CAP_NET_ADMIN"), why);
        var f = Flows.flow(1, 4, 6, "10.0.0.2", 40001, "10.1.0.2", 80);
        ActuatorException e = assertThrows(ActuatorException.class,
                () -> w.apply(List.of(Flows.action(Operation.ADD, f, 60, "set", "web"))));
        assertTrue(e.getMessage().contains("not permitted"), e.getMessage());
        assertEquals(1, e.failed());

        NftWriter missing = new NftWriter(() -> {
            throw new Nft.NftException("libnftables not found (x): install it (Debian/Ubuntu: apt-get install "
                    + "libnftables1; Fedora: nftables)");
        }, "inet flowmark", null, warnings::add);
        e = assertThrows(ActuatorException.class,
                () -> missing.apply(List.of(Flows.action(Operation.ADD, f, 60, "set", "web"))));
        assertTrue(e.getMessage().contains("apt-get install libnftables1"), e.getMessage());
    }
}
