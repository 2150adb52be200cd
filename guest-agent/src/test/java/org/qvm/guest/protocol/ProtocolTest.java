package org.qvm.guest.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolTest {
    private static FrameReader reader(byte[] bytes) {
        return new FrameReader(new ByteArrayInputStream(bytes));
    }

    @Test
    void framesRoundTripAndEndCleanlyBetweenFrames() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(bytes);
        writer.write(FrameType.HELLO, Payloads.u16(Protocol.VERSION));
        writer.write(FrameType.STDOUT, "hello".getBytes(), 1, 3);
        writer.writeEmpty(FrameType.PING);
        assertArrayEquals(new byte[] {1, 0, 0, 0, 2, 0, 1}, java.util.Arrays.copyOf(bytes.toByteArray(), 7));
        FrameReader reader = reader(bytes.toByteArray());
        assertEquals(1, Payloads.u16(reader.expect(FrameType.HELLO).payload()));
        assertArrayEquals("ell".getBytes(), reader.expect(FrameType.STDOUT).payload());
        assertEquals(FrameType.PING, reader.read().type());
        assertNull(reader.read());
    }

    @Test
    void unknownOversizedAndTruncatedFramesAreProtocolErrors() {
        assertThrows(ProtocolException.class, () -> reader(new byte[] {99, 0, 0, 0, 0}).read());
        ProtocolException big = assertThrows(ProtocolException.class,
                () -> reader(new byte[] {6, 0, 1, 0, 1}).read());
        assertTrue(big.getMessage().contains("over its limit of 65536"), big.getMessage());
        assertThrows(ProtocolException.class, () -> reader(new byte[] {6, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}).read(),
                "a negative length is not read");
        assertThrows(ProtocolException.class, () -> reader(new byte[] {6, 0, 0, 0, 9, 1, 2}).read());
        assertThrows(ProtocolException.class, () -> reader(new byte[] {6, 0, 0}).read());
        assertThrows(ProtocolException.class, () -> reader(new byte[] {11, 0, 0, 0, 0}).expect(FrameType.HELLO));
        assertThrows(IllegalArgumentException.class,
                () -> new FrameWriter(new ByteArrayOutputStream()).write(FrameType.PING, new byte[1]));
    }

    @Test
    void execRequestsRoundTripAndMalformedOnesAreRefused() throws Exception {
        ExecRequest request = new ExecRequest(false, true, "user", "/tmp", List.of("printf", "%s\n", "a b"), List.of("A=1"));
        assertEquals(request, ExecRequest.decode(request.encode()));
        ExecRequest shell = new ExecRequest(true, false, "", "", List.of("echo hi; exit 3"), List.of());
        assertEquals(shell, ExecRequest.decode(shell.encode()));
        byte[] bytes = request.encode();
        assertThrows(ProtocolException.class, () -> ExecRequest.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)));
        byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(ProtocolException.class, () -> ExecRequest.decode(trailing));
        byte[] badFlags = bytes.clone();
        badFlags[0] = 8;
        assertThrows(ProtocolException.class, () -> ExecRequest.decode(badFlags));
        byte[] hugeString = {2, 0x7f, 0, 0, 0};
        assertThrows(ProtocolException.class, () -> ExecRequest.decode(hugeString));
        assertThrows(ProtocolException.class, () -> ExecRequest.decode(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                "an empty argv");
    }

    @Test
    void callsRoundTripAndOversizedOrMalformedOnesAreRefused() throws Exception {
        CallRequest call = new CallRequest("qubes.OpenURL", "untrusted", List.of("https://example.org/ü"));
        assertEquals(call, CallRequest.decode(call.encode()));
        assertEquals(new CallRequest("qubes.Filecopy", "@default", List.of()),
                CallRequest.decode(new CallRequest("qubes.Filecopy", "@default", List.of()).encode()));
        byte[] bytes = call.encode();
        assertThrows(ProtocolException.class, () -> CallRequest.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)));
        assertThrows(ProtocolException.class, () -> CallRequest.decode(java.util.Arrays.copyOf(bytes, bytes.length + 1)));
        assertThrows(ProtocolException.class, () -> CallRequest.decode(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17}),
                "seventeen arguments");
        assertThrows(IllegalArgumentException.class,
                () -> new CallRequest("qubes.OpenURL", "x", List.of("u".repeat(Protocol.MAX_CALL_REQUEST))).encode());
    }

        @Test
    void errorsCarryACodeAndAMessage() throws Exception {
        Payloads.ErrorPayload error = Payloads.error(Payloads.error(127, "command not found: nope"));
        assertEquals(127, error.code());
        assertEquals("command not found: nope", error.message());
        assertEquals(4 + 2 + Protocol.MAX_MESSAGE, Payloads.error(1, "x".repeat(10_000)).length, "cut to the limit");
    }
}
