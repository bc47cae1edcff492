package org.gfsj.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.gfsj.fs.vfs.Errno;
import org.gfsj.fs.vfs.FsException;
import org.junit.jupiter.api.Test;

/** Requests as the kernel lays them out, and what a request too short for its opcode gets. */
class FuseRequestTest {
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
  private final FuseRequest request = new FuseRequest(buffer);

  /** Writes a header for {@code body} and returns the request's length. */
  private int request(int opcode, long nodeId, byte[] body) {
    int length = FuseRequest.HEADER_SIZE + body.length;
    buffer.clear();
    buffer.putInt(length).putInt(opcode).putLong(77).putLong(nodeId)
        .putInt(1000).putInt(100).putInt(4242).putShort((short) 0).putShort((short) 0);
    buffer.put(body);
    return length;
  }

  @Test
  void readsTheHeaderAndALookupName() throws Exception {
    int n = request(FuseOpcode.LOOKUP, 9, "name\0".getBytes(StandardCharsets.UTF_8));
    assertTrue(request.load(n));
    assertEquals(FuseOpcode.LOOKUP, request.opcode());
    assertEquals(77, request.unique());
    assertEquals(9, request.nodeId());
    assertEquals(1000, request.uid());
    assertEquals(100, request.gid());
    assertEquals(4242, request.pid());
    assertEquals("name", request.name());
  }

  @Test
  void refusesWhatIsNoRequest() {
    assertFalse(request.load(12), "shorter than a header");
    int n = request(FuseOpcode.GETATTR, 1, new byte[16]);
    assertFalse(request.load(n - 8), "a read shorter than the length the header claims");
  }

  @Test
  void aBodyShorterThanItsOpcodesIsEinvalNotACrash() throws Exception {
    assertTrue(request.load(request(FuseOpcode.LOOKUP, 1, "unterminated".getBytes(
        StandardCharsets.UTF_8))));
    FsException e = assertThrows(FsException.class, request::name);
    assertEquals(Errno.EINVAL, e.errno());
    assertTrue(request.load(request(FuseOpcode.READ, 1, new byte[12])));
    request.u64();
    assertEquals(Errno.EINVAL, assertThrows(FsException.class, request::u64).errno());
    assertTrue(request.load(request(FuseOpcode.WRITE, 1, new byte[8])));
    assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> request.bytes(100))
        .errno());
  }
}
