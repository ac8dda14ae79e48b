// Package cwsim is a CloudWatch stand-in for what moto cannot answer:
// GetMetricData with the ANOMALY_DETECTION_BAND metric-math function, and
// PutAnomalyDetector / DescribeAnomalyDetectors. Its methods have the
// aws-sdk-go-v2 CloudWatch client's signatures, so code that declares a
// small interface over those calls can be driven by it; the ECS simulator
// feeds it with ecssim.WithMetrics(cw.AddData).
//
// # The band is an approximation of CloudWatch's model
//
// CloudWatch trains a model per metric and statistic with statistical and
// machine-learning algorithms that account for hourly, daily and weekly
// seasonality and trends, and returns the upper and lower values of its band
// through ANOMALY_DETECTION_BAND(m, stddevs) in GetMetricData
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html;
// the second argument is the band's width in standard deviations, 2 when
// left out). The stand-in does not learn seasonality. For each datapoint of
// m at time T it takes the same statistic's values in the trailing window
// [T-Window, T) (Window defaults to 60 minutes) and returns
// mean ± stddevs·max(stddev, 5 % of |mean|, 0.01): the floor keeps a
// perfectly flat series (a steady task count) from having a band of zero
// width, as CloudWatch's band never is. With fewer than MinTraining
// (default 10) values in the window the model is not trained and the band
// has no value at T, as a detector is PENDING_TRAINING on AWS. The band is
// returned as two results under the expression's Id, the lower bound first;
// callers should not rely on that order or on the labels.
//
// Supported: metric queries (MetricStat with Sum, Average, Minimum,
// Maximum, SampleCount or pNN, dimensions matched exactly, as CloudWatch
// does), the ANOMALY_DETECTION_BAND expression, ScanBy, ReturnData.
// Over HTTP (the sandbox's front proxy), CloudWatch.Handler serves these
// calls in the query protocol, the one the project's clients speak to a
// local endpoint (cloudwatchclient.Options), and hands everything else
// on. aws-sdk-go-v2's CloudWatch client speaks rpc-v2-cbor by default
// (cloudwatch v1.75, api_client.go); the stand-in does not serve it, and
// such requests reach moto, which answers 404.
//
// Not modelled: other metric math, Metrics Insights, alarms
// (DescribeAlarms answers no alarms), pagination, units, cross-account.
package cwsim
