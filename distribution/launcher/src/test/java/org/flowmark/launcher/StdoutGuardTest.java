package org.flowmark.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class StdoutGuardTest {

    @Test
    void recordsPassAndLogLinesGoToStderr() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StdoutGuard g = new StdoutGuard(out, err);
        PrintStream ps = new PrintStream(g, false, StandardCharsets.UTF_8);
        ps.print("{\"type\":\"flow_purge\"}\n{\"a\":");
        ps.flush();
        ps.print("1}\nWARNING: EventAdmin: Event Task Processing Interrupted.\n");
        ps.println("{\"b\":2}");
        g.write('E');
        g.write("RROR: x\n".getBytes(StandardCharsets.US_ASCII));
        ps.print("tail without newline");
        ps.close();
        assertEquals("{\"type\":\"flow_purge\"}\n{\"a\":1}\n{\"b\":2}\ntail without newline",
                out.toString(StandardCharsets.UTF_8));
        assertEquals("WARNING: EventAdmin: Event Task Processing Interrupted.\nERROR: x\n",
                err.toString(StandardCharsets.UTF_8));
    }
}
