package org.gfsj.tools.lockd;

import picocli.CommandLine.Command;

/** {@code gfs-tool lockd}: the lock manager's own state. */
@Command(
    name = "lockd",
    mixinStandardHelpOptions = true,
    description = "Inspect and measure the lock manager (gfs-lockd).",
    subcommands = {LockdStatusCommand.class, LockdSetPeersCommand.class, LockdBenchCommand.class})
public final class LockdCommand {}
