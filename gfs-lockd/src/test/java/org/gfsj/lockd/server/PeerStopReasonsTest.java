package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.exceptions.ChecksumException;
import org.junit.jupiter.api.Test;

class PeerStopReasonsTest {
  private static final Path DIR = Path.of("/var/lib/gfsj/lockd");

  @Test
  void wrappersThatOnlyRepeatTheirCauseAreSkipped() {
    IOException io = new IOException("cannot load RocksDB's native library");
    assertEquals("peer n1 cannot start: cannot load RocksDB's native library",
        PeerStopReasons.cannotStart("n1", DIR, new CompletionException(io)));
  }

  @Test
  void aBadChecksumInTheLogSaysToStartAfreshBesideTheOthers() {
    Throwable e = new CompletionException(new IllegalStateException(
        "n1@group-1: Failed to initRaftLog.", new ChecksumException("Log entry corrupted", 99)));
    assertEquals("peer n1 cannot start: n1@group-1: Failed to initRaftLog. (Log entry "
        + "corrupted); the Raft log in /var/lib/gfsj/lockd is damaged: move "
        + "/var/lib/gfsj/lockd aside and start this peer with an empty one, and it catches up "
        + "from the other peers (a peer without others starts with an empty lock space then)",
        PeerStopReasons.cannotStart("n1", DIR, e));
  }

  @Test
  void aLogTheFileSystemRefusesIsNotCalledDamaged() {
    Throwable e = new IllegalStateException("n1@group-1: Failed to initRaftLog.",
        new AccessDeniedException("/var/lib/gfsj/lockd/x/current/log_0"));
    assertEquals("peer n1 cannot start: n1@group-1: Failed to initRaftLog. "
        + "(/var/lib/gfsj/lockd/x/current/log_0: permission denied)",
        PeerStopReasons.cannotStart("n1", DIR, e));
  }

  @Test
  void aFullDiskNamesTheDirectoryAndTheRootCause() {
    Throwable e = new IOException("Failed to write log entry",
        new IOException("No space left on device"));
    assertEquals("peer n2 stops: its Raft log in /var/lib/gfsj/lockd cannot be written (No "
        + "space left on device); free space there or replace the disk, then start the peer "
        + "again: it catches up from the other peers",
        PeerStopReasons.logUnwritable("n2", DIR, e));
  }

  @Test
  void aDataDirectoryThatCannotBeMadeSaysWhy() {
    assertEquals("peer n1 cannot start: /proc/lockd: no such file or directory",
        PeerStopReasons.cannotStart("n1", DIR, new NoSuchFileException("/proc/lockd")));
  }

  @Test
  void aTakenClientPortSaysHowToFindTheHolderAndHowToMove() {
    String line = PeerStopReasons.clientPortUnavailable("n1",
        new InetSocketAddress("127.0.0.1", 7401),
        new IOException("bind(..) failed with error(-98): Address already in use"));
    assertEquals("peer n1 cannot start: its client port 127.0.0.1:7401 cannot be bound "
        + "(bind(..) failed with error(-98): Address already in use); stop what holds it "
        + "(ss -ltnp 'sport = :7401') or give this peer another client port (--client-port, or "
        + "ID=HOST:PORT/CLIENTPORT in the --peers of every peer and tool)", line);
  }
}
