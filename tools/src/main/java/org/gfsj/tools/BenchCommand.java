package org.gfsj.tools;

import picocli.CommandLine.Command;

/** {@code gfs-tool bench}: the benchmarks whose tables go into docs/benchmarks.md. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Run a benchmark and print its table beside the peer it is judged against.",
    subcommands = {JournalBenchCommand.class, NbdBenchCommand.class, FsBenchCommand.class,
        FsckBenchCommand.class})
final class BenchCommand {}
