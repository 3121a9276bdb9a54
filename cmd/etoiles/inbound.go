package main

import (
	"github.com/e-toiles/etoiles/federation"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	descInboxBacklog = prometheus.NewDesc("etoiles_inbox_backlog",
		"Accepted inbound activities waiting to be applied.", nil, nil)
	descInboxAccepted = prometheus.NewDesc("etoiles_inbox_accepted_total",
		"Inbound activities answered 202, on disk in the inbox log.", nil, nil)
	descInboxRefused = prometheus.NewDesc("etoiles_inbox_backpressure_total",
		"Inbound requests answered 429 because the backlog was full (--inbox-backlog).", nil, nil)
	descInboxApplied = prometheus.NewDesc("etoiles_inbox_applied_total",
		"Inbound activities applied, or dropped as malformed or forbidden.", nil, nil)
	descInboxFailed = prometheus.NewDesc("etoiles_inbox_apply_failures_total",
		"Attempts to apply an inbound activity that failed on this node's side; each is retried.", nil, nil)
)

// inboundCollector exports the inbound path's figures: the backlog and
// the counts of activities accepted, refused for back-pressure, applied
// and failed.
func inboundCollector(f *federation.Federation) prometheus.Collector { return inboundMetrics{f} }

type inboundMetrics struct{ f *federation.Federation }

func (c inboundMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInboxBacklog, descInboxAccepted, descInboxRefused, descInboxApplied, descInboxFailed} {
		ch <- d
	}
}

func (c inboundMetrics) Collect(ch chan<- prometheus.Metric) {
	st := c.f.InboundStats()
	ch <- prometheus.MustNewConstMetric(descInboxBacklog, prometheus.GaugeValue, float64(st.Backlog))
	ch <- prometheus.MustNewConstMetric(descInboxAccepted, prometheus.CounterValue, float64(st.Accepted))
	ch <- prometheus.MustNewConstMetric(descInboxRefused, prometheus.CounterValue, float64(st.Refused))
	ch <- prometheus.MustNewConstMetric(descInboxApplied, prometheus.CounterValue, float64(st.Applied))
	ch <- prometheus.MustNewConstMetric(descInboxFailed, prometheus.CounterValue, float64(st.Failed))
}
