package bus

import "github.com/prometheus/client_golang/prometheus"

var (
	descOutboxPending = prometheus.NewDesc("etoiles_outbox_pending",
		"Outbox events waiting to be published, as last read by the relay (at most one batch).", nil, nil)
	descOutboxLag = prometheus.NewDesc("etoiles_outbox_lag_seconds",
		"Age of the oldest outbox event waiting to be published; 0 when none.", nil, nil)
	descOutboxPublished = prometheus.NewDesc("etoiles_outbox_published_total",
		"Outbox events acknowledged by JetStream and marked published.", nil, nil)
	descOutboxDuplicates = prometheus.NewDesc("etoiles_outbox_duplicates_total",
		"Outbox events JetStream acknowledged as already on the stream.", nil, nil)
	descOutboxErrors = prometheus.NewDesc("etoiles_outbox_errors_total",
		"Relay rounds that failed to read, publish or mark events.", nil, nil)
)

// Collector returns a Prometheus collector of the relay's figures:
// etoiles_outbox_pending, etoiles_outbox_lag_seconds,
// etoiles_outbox_published_total, etoiles_outbox_duplicates_total and
// etoiles_outbox_errors_total.
func (r *Relay) Collector() prometheus.Collector { return relayCollector{r} }

type relayCollector struct{ r *Relay }

func (c relayCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutboxPending
	ch <- descOutboxLag
	ch <- descOutboxPublished
	ch <- descOutboxDuplicates
	ch <- descOutboxErrors
}

func (c relayCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.r.Stats()
	ch <- prometheus.MustNewConstMetric(descOutboxPending, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(descOutboxLag, prometheus.GaugeValue, c.r.Lag().Seconds())
	ch <- prometheus.MustNewConstMetric(descOutboxPublished, prometheus.CounterValue, float64(st.Published))
	ch <- prometheus.MustNewConstMetric(descOutboxDuplicates, prometheus.CounterValue, float64(st.Duplicates))
	ch <- prometheus.MustNewConstMetric(descOutboxErrors, prometheus.CounterValue, float64(st.Errors))
}
