package org.gfsj.fs.vfs;

/** The Linux error numbers the filesystem answers with; fronts pass them on as they are. */
public enum Errno {
  EPERM(1),
  ENOENT(2),
  EIO(5),
  ENXIO(6),
  E2BIG(7),
  EBADF(9),
  EAGAIN(11),
  ENOMEM(12),
  EACCES(13),
  EBUSY(16),
  EEXIST(17),
  EXDEV(18),
  ENODEV(19),
  ENOTDIR(20),
  EISDIR(21),
  EINVAL(22),
  EFBIG(27),
  ENOSPC(28),
  ESPIPE(29),
  EROFS(30),
  EMLINK(31),
  ERANGE(34),
  EDEADLK(35),
  ENAMETOOLONG(36),
  ENOLCK(37),
  ENOSYS(38),
  ENOTEMPTY(39),
  ELOOP(40),
  ENODATA(61),
  EOVERFLOW(75),
  EOPNOTSUPP(95),
  ESTALE(116),
  EDQUOT(122);

  private final int code;

  Errno(int code) {
    this.code = code;
  }

  /** The positive errno value. */
  public int code() {
    return code;
  }
}
