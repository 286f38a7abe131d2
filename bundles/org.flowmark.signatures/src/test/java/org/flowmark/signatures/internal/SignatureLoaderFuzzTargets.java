package org.flowmark.signatures.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the signature file loader. Without {@code JAZZER_FUZZ} it replays the
 * inputs under {@code src/test/resources/org/flowmark/signatures/internal/SignatureLoaderFuzzTargetsInputs/parse/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (see the README). Arbitrary bytes as a signature file may only be refused
 * with the loader's own {@link SignatureException}; what loads must also build an index.
 */
class SignatureLoaderFuzzTargets {

    @FuzzTest(maxDuration = "90s")
    void parse(byte[] in) throws IOException {
        SignatureLoader.Loaded loaded;
        try {
            loaded = SignatureLoader.parse("fuzz.json", new ByteArrayInputStream(in));
        } catch (SignatureException expected) {
            return; // the declared error
        }
        SignatureIndex.build(java.util.List.of(loaded), warning -> { });
    }
}
