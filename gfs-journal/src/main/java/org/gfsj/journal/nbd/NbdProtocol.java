package org.gfsj.journal.nbd;

/**
 * The numbers of the NBD protocol that this client speaks: fixed newstyle negotiation, NBD_OPT_GO
 * with NBD_OPT_EXPORT_NAME as the fallback, and simple replies in transmission. The NBD project's
 * doc/proto.md is the reference; every value is big-endian on the wire.
 */
final class NbdProtocol {
  /** The IANA port for newstyle negotiation. */
  static final int DEFAULT_PORT = 10809;

  /** "NBDMAGIC": the server's first eight bytes, in every handshake style. */
  static final long INIT_PASSWD = 0x4e42444d41474943L;
  /** "IHAVEOPT": second server magic in newstyle, and the prefix of every client option. */
  static final long IHAVEOPT = 0x49484156454f5054L;
  /** Second server magic of the oldstyle handshake, which has no export names. */
  static final long OLDSTYLE_MAGIC = 0x00420281861253L;
  static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
  static final int REQUEST_MAGIC = 0x25609513;
  static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

  /** Server handshake flags, and the client flags that answer them. */
  static final int FLAG_FIXED_NEWSTYLE = 1;
  static final int FLAG_NO_ZEROES = 1 << 1;

  static final int OPT_EXPORT_NAME = 1;
  static final int OPT_GO = 7;

  static final int REP_ACK = 1;
  static final int REP_INFO = 3;
  /** Error replies have bit 31 set. */
  static final int REP_ERR_BIT = 0x80000000;
  static final int REP_ERR_UNSUP = REP_ERR_BIT | 1;
  static final int REP_ERR_POLICY = REP_ERR_BIT | 2;
  static final int REP_ERR_INVALID = REP_ERR_BIT | 3;
  static final int REP_ERR_PLATFORM = REP_ERR_BIT | 4;
  static final int REP_ERR_TLS_REQD = REP_ERR_BIT | 5;
  static final int REP_ERR_UNKNOWN = REP_ERR_BIT | 6;
  static final int REP_ERR_SHUTDOWN = REP_ERR_BIT | 7;
  static final int REP_ERR_BLOCK_SIZE_REQD = REP_ERR_BIT | 8;

  static final int INFO_EXPORT = 0;

  /** Transmission flags, sent with the export's size. */
  static final int FLAG_READ_ONLY = 1 << 1;
  static final int FLAG_SEND_FLUSH = 1 << 2;
  static final int FLAG_SEND_FUA = 1 << 3;
  static final int FLAG_SEND_TRIM = 1 << 5;

  static final int CMD_FLAG_FUA = 1;

  /** Length of the request header that precedes a write's data. */
  static final int REQUEST_HEADER_LENGTH = 28;
  /** Length of the simple reply header that precedes a read's data. */
  static final int SIMPLE_REPLY_LENGTH = 16;
  /** Length of an option reply header: magic, option, type, length. */
  static final int OPTION_REPLY_HEADER_LENGTH = 20;
  /**
   * The largest payload a request carries. Servers must accept 32 MiB unless they advertise a
   * smaller maximum; larger transfers are split.
   */
  static final int MAX_PAYLOAD = 32 << 20;

  private NbdProtocol() {}

  /** The errno name of an error in a simple reply, as the protocol defines them. */
  static String errorName(int error) {
    return switch (error) {
      case 1 -> "EPERM";
      case 5 -> "EIO";
      case 12 -> "ENOMEM";
      case 22 -> "EINVAL";
      case 28 -> "ENOSPC";
      case 75 -> "EOVERFLOW";
      case 95 -> "ENOTSUP";
      case 108 -> "ESHUTDOWN";
      default -> "error " + error;
    };
  }

  /** What an operator should make of an error the server returned for a request. */
  static String errorHint(int error) {
    return switch (error) {
      case 1 -> "the export is read-only on the server; remove readonly from its section in"
          + " nbd-server's config or mount read-only";
      case 28 -> "the server's disk is full or the request lies past the export's end";
      case 108 -> "nbd-server is shutting down";
      case 22 -> "the server rejected the request as invalid; check that client and server agree"
          + " on the export size";
      default -> "check the server's log and the disk behind the export";
    };
  }
}
