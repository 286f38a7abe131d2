package org.flowmark.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Hashtable;

import org.flowmark.capture.internal.dispatch.Dispatcher;
import org.flowmark.capture.internal.engine.EngineConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConfigsTest {

    @AfterEach
    void clear() {
        System.clearProperty("flowmark.detector.callBudgetMicros");
        System.clearProperty("flowmark.detector.maxOverruns");
    }

    @Test
    void detectorTimeBudgetComesFromTheConfigurationFile() {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("detectorCallBudgetMicros", "2500"); // .cfg values arrive as strings
        p.put("detectorMaxOverruns", "3");
        EngineConfig e = Configs.engine(Configs.of(p));
        assertEquals(2500L, e.callBudgetMicros());
        assertEquals(3, e.maxOverruns());
        assertEquals(2500L, e.withExpireIdle(false).callBudgetMicros(), "kept when idle expiry changes");
    }

    @Test
    void unsetBudgetFallsBackToTheFrameworkPropertyThenTheDefault() {
        assertEquals(Dispatcher.DEFAULT_CALL_BUDGET_MICROS, Configs.engine(Configs.of(null)).callBudgetMicros());
        assertEquals(Dispatcher.DEFAULT_MAX_OVERRUNS, Configs.engine(Configs.of(null)).maxOverruns());
        System.setProperty("flowmark.detector.callBudgetMicros", "777");
        System.setProperty("flowmark.detector.maxOverruns", "4");
        EngineConfig e = Configs.engine(Configs.of(new Hashtable<>()));
        assertEquals(777L, e.callBudgetMicros());
        assertEquals(4, e.maxOverruns());
    }

    @Test
    void zeroBudgetIsRejectedWithTheSettingNamed() {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("detectorCallBudgetMicros", "0");
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> Configs.engine(Configs.of(p)));
        assertEquals(true, x.getMessage().contains("detectorCallBudgetMicros"), x.getMessage());
    }
}
