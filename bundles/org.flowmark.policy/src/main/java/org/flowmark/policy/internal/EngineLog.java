package org.flowmark.policy.internal;

/** The engine's logging, so the core logic is testable without the OSGi log (the component adapts its Logger). */
public interface EngineLog {
    void debug(String message);

    void info(String message);

    void warn(String message);

    void error(String message);

    EngineLog NONE = new EngineLog() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void error(String message) {
        }
    };
}
