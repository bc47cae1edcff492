package org.gfsj.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.Test;

class UnreadRatisMetricsTest {

  @Test
  void ratisFindsTheMetricsThatCostNothing() {
    MetricRegistries global = MetricRegistries.global();
    assertInstanceOf(UnreadRatisMetrics.class, global);
    RatisMetricRegistry registry = global.create(
        new MetricRegistryInfo("n1", "ratis", "log_worker", "test"));
    registry.counter("flushes").inc();
    assertEquals(0, registry.timer("append").time().stop());
    assertEquals(0, registry.counter("flushes").getCount());
  }
}
