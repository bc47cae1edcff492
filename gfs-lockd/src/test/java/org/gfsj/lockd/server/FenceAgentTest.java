package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.gfsj.lockd.core.LockSpace;
import org.gfsj.lockd.core.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fence agent as lockd runs it: found at start, and heard when it fails. */
class FenceAgentTest {
  @TempDir Path dir;

  private Member node() {
    LockSpace space = new LockSpace();
    space.register(0x77, "node-a", 10_000);
    return space.member(0x77);
  }

  private Path script(String name, String body) throws IOException {
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void anAgentThatCannotRunIsNamedAtStart() throws IOException {
    assertNull(new FenceAgent("sh -c true").unusable());
    assertEquals("no executable fence_gfsj_nowhere on PATH (" + System.getenv("PATH")
        + "); give its full path", new FenceAgent("fence_gfsj_nowhere -o off").unusable());
    Path notExecutable = Files.writeString(dir.resolve("agent"), "#!/bin/sh\n");
    assertEquals(notExecutable + " is not an executable file (missing, a directory, or without"
        + " the x bit)", new FenceAgent(notExecutable.toString()).unusable());
    assertEquals(dir + " is not an executable file (missing, a directory, or without the x bit)",
        new FenceAgent(dir.toString()).unusable());
  }

  @Test
  void aFailedFenceSaysWhatTheAgentSaidLast() throws IOException {
    Path agent = script("fence-fails", "cat > /dev/null\necho 'connecting to PDU'\n"
        + "echo \"Failed: plug of $1 did not switch off\" >&2\nexit 3\n");
    assertEquals("fence agent [" + agent + ", node-a] exited with status 3: Failed: plug of "
        + "node-a did not switch off", new FenceAgent(agent.toString()).fence(node()));
  }

  @Test
  void aFenceThatWorksIsNullAndGetsTheNodeOnStandardInput() throws IOException {
    Path seen = dir.resolve("seen");
    Path agent = script("fence-works", "cat > " + seen + "\necho 'Success: Powered OFF'\n");
    assertNull(new FenceAgent(agent.toString()).fence(node()));
    String input = Files.readString(seen);
    assertTrue(input.contains("action=off\nnodename=node-a\n"), input);
    assertTrue(input.contains("client_id=77\n"), input);
  }
}
