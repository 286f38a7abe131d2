package org.flowmark.policy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.flowmark.api.actuator.Action;
import org.flowmark.api.actuator.ActuatorException;
import org.flowmark.api.actuator.Operation;
import org.junit.jupiter.api.Test;

class ActuatorChannelTest {

    static Action action(String rule, long id) {
        return new Action(rule, "t", Operation.ADD, Flows.zoom(id), Map.of(), 0, 0);
    }

    @Test
    void batchesUpToMaxBatchAndDropsWhenFull() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        ActuatorChannel c = new ActuatorChannel("t", batch -> {
            try {
                gate.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sizes.add(batch.size());
        }, 4, 10, EngineLog.NONE).start();
        assertTrue(c.offer(action("r", 0)));
        Thread.sleep(300); // the thread took the first one and waits at the gate
        int accepted = 0;
        for (int i = 1; i <= 15; i++) {
            accepted += c.offer(action("r", i)) ? 1 : 0;
        }
        assertEquals(10, accepted);
        assertEquals(5, c.dropped.get());
        gate.countDown();
        c.close(5000);
        assertEquals(List.of(1, 4, 4, 2), sizes);
        assertEquals(11, c.applied.get());
    }

    @Test
    void failuresAreCountedAndLoggedWithTheRules() {
        List<String> errors = new ArrayList<>();
        EngineLog log = new EngineLog() {
            @Override public void debug(String m) { }
            @Override public void info(String m) { }
            @Override public void warn(String m) { }
            @Override public void error(String m) { errors.add(m); }
        };
        ActuatorChannel c = new ActuatorChannel("ipset", batch -> {
            throw new ActuatorException("set X: not permitted", 1);
        }, 8, 8, log);
        c.applyBatch(List.of(action("a", 1), action("b", 2)));
        assertEquals(1, c.failed.get());
        assertEquals(1, c.applied.get());
        assertEquals(List.of("policy: actuator 'ipset' failed 1 of 2 actions (rules a, b): set X: not permitted"),
                errors);
        ActuatorChannel boom = new ActuatorChannel("v", batch -> {
            throw new IllegalStateException("bug");
        }, 8, 8, log);
        boom.applyBatch(List.of(action("c", 1)));
        assertEquals(1, boom.failed.get());
        assertFalse(errors.get(1).isEmpty());
    }
}
