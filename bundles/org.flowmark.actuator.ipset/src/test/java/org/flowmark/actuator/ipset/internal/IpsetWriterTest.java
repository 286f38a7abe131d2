package org.flowmark.actuator.ipset.internal;

import static org.flowmark.actuator.ipset.internal.IpsetElementTest.ZOOM;
import static org.flowmark.actuator.ipset.internal.IpsetElementTest.action;
import static org.flowmark.actuator.ipset.internal.IpsetElementTest.flow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.Operation;
import org.junit.jupiter.api.Test;

class IpsetWriterTest {

    final FakeRestore fake = new FakeRestore();
    final List<String> warnings = new ArrayList<>();
    final IpsetWriter writer = new IpsetWriter(fake, 1000, true, warnings::add);

    static Action zoom(long id, Operation op) {
        return action(flow(id, "192.168.4." + id, 50000, "52.216.110.177", 8801, 6), op, 600, "set", "Z",
                "set_type", "hash:ip,port,ip");
    }

    @Test
    void oneBatchCreatesTheSetAddsCommitsAndConfirms() throws Exception {
        writer.apply(List.of(zoom(1, Operation.ADD), zoom(2, Operation.ADD)));
        assertEquals(List.of("create Z hash:ip,port,ip family inet timeout 600",
                "add Z 52.216.110.177,tcp:8801,192.168.4.1 timeout 600",
                "add Z 52.216.110.177,tcp:8801,192.168.4.2 timeout 600",
                "COMMIT", "list -n Z"), fake.allLines);
        assertEquals(Set.of("52.216.110.177,tcp:8801,192.168.4.1", "52.216.110.177,tcp:8801,192.168.4.2"),
                fake.elements("Z"), "in the kernel when apply returns");
        // the next batch reuses the child and does not create again
        writer.apply(List.of(zoom(1, Operation.REFRESH), zoom(2, Operation.REMOVE)));
        assertEquals(List.of("add Z 52.216.110.177,tcp:8801,192.168.4.1 timeout 600",
                "del Z 52.216.110.177,tcp:8801,192.168.4.2", "COMMIT", "list -n Z"),
                fake.allLines.subList(5, fake.allLines.size()));
        assertEquals(1, fake.starts);
        assertEquals(Set.of("52.216.110.177,tcp:8801,192.168.4.1"), fake.elements("Z"));
        assertEquals(2, writer.added.get());
        assertEquals(1, writer.refreshed.get());
        assertEquals(1, writer.removed.get());
    }

    @Test
    void aDestroyedSetIsCreatedAgain() throws Exception {
        writer.apply(List.of(zoom(1, Operation.ADD)));
        fake.destroy("Z"); // ipset destroy behind our back
        writer.apply(List.of(zoom(2, Operation.ADD)));
        assertEquals(Set.of("52.216.110.177,tcp:8801,192.168.4.2"), fake.elements("Z"));
        assertEquals(2, fake.starts, "the failed add ended the child; a new one was started");
        assertEquals(1, writer.recreated.get());
        assertTrue(warnings.get(0).contains("Z was deleted"), warnings.toString());
    }

    @Test
    void countersByNameForStatus() throws Exception {
        writer.apply(List.of(zoom(1, Operation.ADD), zoom(2, Operation.ADD)));
        writer.apply(List.of(zoom(1, Operation.REFRESH), zoom(2, Operation.REMOVE)));
        java.util.Map<String, Long> c = writer.counterMap();
        assertEquals(2L, c.get("added"));
        assertEquals(1L, c.get("refreshed"));
        assertEquals(1L, c.get("removed"));
        assertEquals(0L, c.get("failed"));
        assertEquals(List.of("added", "refreshed", "removed", "failed", "restarts", "sets_recreated"),
                List.copyOf(c.keySet()));
    }

    @Test
    void aDeadChildIsRestarted() throws Exception {
        writer.apply(List.of(zoom(1, Operation.ADD)));
        fake.current.alive = false; // killed
        writer.apply(List.of(zoom(2, Operation.ADD)));
        assertEquals(2, fake.starts);
        assertEquals(2, fake.elements("Z").size());
        assertEquals(1, writer.restarts.get());
    }

    @Test
    void aRefusedElementFailsAloneAndTheRestIsApplied() {
        fake.refuse.put("52.216.110.177,tcp:8801,192.168.4.2", "Hash is full, cannot add more elements");
        ActuatorException e = assertThrows(ActuatorException.class, () -> writer.apply(
                List.of(zoom(1, Operation.ADD), zoom(2, Operation.ADD), zoom(3, Operation.ADD))));
        assertEquals(1, e.failed());
        assertTrue(e.getMessage().contains("rule zoom: 'add Z 52.216.110.177,tcp:8801,192.168.4.2 timeout 600': "
                + "Hash is full"), e.getMessage());
        assertEquals(Set.of("52.216.110.177,tcp:8801,192.168.4.1", "52.216.110.177,tcp:8801,192.168.4.3"),
                fake.elements("Z"));
    }

    @Test
    void aSetWithOtherParametersIsUsedAsItIs() throws Exception {
        fake.createLines.put("Z", "create Z hash:ip,port,ip family inet timeout 600 maxelem 1000");
        fake.sets.put("Z", new java.util.LinkedHashMap<>());
        writer.apply(List.of(zoom(1, Operation.ADD)));
        assertEquals(1, fake.elements("Z").size());
        assertTrue(warnings.get(0).contains("already exists with other parameters"), warnings.toString());
    }

    @Test
    void removingFromAMissingSetIsNotAnError() throws Exception {
        writer.apply(List.of(zoom(1, Operation.REMOVE)));
        assertEquals(1, writer.removed.get());
    }

    @Test
    void notPermittedSaysWhatToDo() {
        fake.failEverything = "Kernel error received: Operation not permitted";
        ActuatorException e = assertThrows(ActuatorException.class, () -> writer.apply(List.of(zoom(1,
                Operation.ADD))));
        assertTrue(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
        assertEquals(1, e.failed());
    }

    @Test
    void badActionsFailWithoutStoppingTheOthers() {
        Action bad = action(ZOOM, Operation.ADD, 0, "set_type", "hash:ip");
        ActuatorException e = assertThrows(ActuatorException.class, () -> writer.apply(List.of(bad,
                zoom(1, Operation.ADD))));
        assertEquals(1, e.failed());
        assertTrue(e.getMessage().contains("needs set=NAME"), e.getMessage());
        assertEquals(1, fake.elements("Z").size());
    }
}
