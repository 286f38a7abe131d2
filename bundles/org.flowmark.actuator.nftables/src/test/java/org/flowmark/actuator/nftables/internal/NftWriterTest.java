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

        String tables = "table inet flowmark\n";

        @Override
        public String run(String script) throws NftException {
            scripts.add(script);
            if (failWhenContains != null && script.contains(failWhenContains) && failTimes > 0) {
                failTimes--;
                throw new NftException(failText);
            }
            if (script.equals("list tables\n")) {
                return tables;
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
        List<String> s = nft.scripts;
        assertEquals(List.of("list tables\n", "add table inet flowmark\n"), s.subList(0, 2));
        assertTrue(s.get(2).startsWith("add set inet flowmark web {"), s.get(2));
        assertTrue(warnings.isEmpty(), warnings.toString());
        // next batch: set known, so no declaration; the kernel says it is gone (once): the table too
        s.clear();
        nft.tables = "table inet other\n";
        nft.failWhenContains = "add element";
        nft.failText = "Error: Could not process rule: No such file or directory\nadd element ...";
        nft.failTimes = 1;
        w.apply(List.of(Flows.action(Operation.REFRESH, f, 60, "set", "web")));
        assertEquals(4, s.size(), s.toString());
        assertTrue(s.get(0).startsWith("add element"), s.get(0));
        assertEquals(List.of("list tables\n", "add table inet flowmark\n"), s.subList(1, 3));
        assertTrue(s.get(3).startsWith("add set inet flowmark web {"), s.get(3));
        assertEquals(0, w.failures);
        assertEquals(1, w.recreations);
        assertTrue(warnings.get(0).contains("deleted behind our back"), warnings.toString());
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
