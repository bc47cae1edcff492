package org.gfsj.lockd.server;

import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.apache.ratis.io.CorruptedFileException;
import org.apache.ratis.protocol.exceptions.ChecksumException;

/**
 * The one line a peer prints when it cannot start or must stop: what went wrong, out of the
 * layers Ratis wraps around it, and what the operator can do.
 */
final class PeerStopReasons {
  private PeerStopReasons() {}

  /**
   * Why peer {@code id} with data directory {@code dir} cannot start: the first cause that says
   * more than its own cause does, the root cause if that says something else, and for a
   * damaged Raft log what to do about it.
   */
  static String cannotStart(String id, Path dir, Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null
        || t.getMessage().equals(t.getCause().toString()))) {
      t = t.getCause();
    }
    String why = message(t);
    String root = message(rootCause(e));
    if (!why.contains(root)) {
      why += " (" + root + ")";
    }
    if (damagedLog(e)) {
      why += "; the Raft log in " + dir + " is damaged: move " + dir + " aside and start this"
          + " peer with an empty one, and it catches up from the other peers (a peer without"
          + " others starts with an empty lock space then)";
    }
    return "peer " + id + " cannot start: " + why;
  }

  /**
   * Why peer {@code id} stops when its Raft log cannot be written: so that the others elect a
   * leader among themselves and go on (as etcd stops on a failed WAL write).
   */
  static String logUnwritable(String id, Path dir, Throwable cause) {
    return "peer " + id + " stops: its Raft log in " + dir + " cannot be written ("
        + message(rootCause(cause)) + "); free space there or replace the disk, then start the"
        + " peer again: it catches up from the other peers";
  }

  /**
   * Ratis could not read its log back: a checksum or a segment's structure is wrong (Ratis says
   * the latter with plain IOExceptions), not the file system refusing (permissions and such).
   */
  private static boolean damagedLog(Throwable e) {
    boolean readingLog = false;
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ChecksumException || c instanceof CorruptedFileException) {
        return true;
      }
      readingLog |= c.getMessage() != null && c.getMessage().contains("Failed to initRaftLog");
    }
    return readingLog && !(rootCause(e) instanceof FileSystemException);
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root;
  }

  /**
   * Why peer {@code id} cannot take clients on {@code address}: usually another process holds
   * the port (an earlier peer still running, or a port chosen twice).
   */
  static String clientPortUnavailable(String id, InetSocketAddress address, Throwable e) {
    return "peer " + id + " cannot start: its client port " + address.getHostString() + ":"
        + address.getPort() + " cannot be bound (" + message(rootCause(e)) + "); stop what holds"
        + " it (ss -ltnp 'sport = :" + address.getPort() + "') or give this peer another client"
        + " port (--client-port, or ID=HOST:PORT/CLIENTPORT in the --peers of every peer and"
        + " tool)";
  }

  /** A file system refusal names the file and, unlike the JDK's message, the reason. */
  private static String message(Throwable t) {
    if (t instanceof FileSystemException f && f.getReason() == null) {
      String reason = t instanceof NoSuchFileException ? "no such file or directory"
          : t instanceof AccessDeniedException ? "permission denied"
          : t instanceof FileAlreadyExistsException ? "exists already"
          : t instanceof NotDirectoryException ? "not a directory"
          : t.getClass().getSimpleName();
      return t.getMessage() + ": " + reason;
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
