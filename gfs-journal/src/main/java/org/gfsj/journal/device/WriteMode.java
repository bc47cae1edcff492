package org.gfsj.journal.device;

/** How a write reaches stable storage. */
public enum WriteMode {
  /** Accepted by the device; durable only after a later flush. */
  NORMAL,
  /** Forced unit access: durable when the write returns, as NBD_CMD_FLAG_FUA or REQ_FUA. */
  FUA
}
