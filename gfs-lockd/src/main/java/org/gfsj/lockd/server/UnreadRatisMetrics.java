package org.gfsj.lockd.server;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's metrics, as nobody reads them: no reporter is enabled and lockd reports its own state
 * ({@code gfs-tool lockd status}). Ratis's default implementation still timed and counted every
 * request, append, flush and apply into Dropwizard reservoirs (a concurrent skip list per timer
 * sample), a few percent of every peer's CPU for each log entry. Ratis finds this class through
 * {@code META-INF/services} and uses it instead.
 */
public final class UnreadRatisMetrics extends MetricRegistries {
  private static final Timekeeper.Context STOPPED = () -> 0;
  private static final Timekeeper TIMER = () -> STOPPED;
  private static final LongCounter COUNTER = new LongCounter() {
    @Override
    public void inc(long n) {
    }

    @Override
    public void dec(long n) {
    }

    @Override
    public long getCount() {
      return 0;
    }
  };

  @Override
  public void clear() {
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return new RatisMetricRegistry() {
      @Override
      public Timekeeper timer(String name) {
        return TIMER;
      }

      @Override
      public LongCounter counter(String name) {
        return COUNTER;
      }

      @Override
      public boolean remove(String name) {
        return true;
      }

      @Override
      public <T> void gauge(String name, Supplier<Supplier<T>> gauge) {
      }

      @Override
      public MetricRegistryInfo getMetricRegistryInfo() {
        return info;
      }
    };
  }

  @Override
  public boolean remove(MetricRegistryInfo info) {
    return true;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.empty();
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.of();
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return List.of();
  }

  @Override
  public void addReporterRegistration(Consumer<RatisMetricRegistry> onAdd,
      Consumer<RatisMetricRegistry> onRemove) {
  }

  @Override
  public void enableJmxReporter() {
  }

  @Override
  public void enableConsoleReporter(TimeDuration period) {
  }
}
