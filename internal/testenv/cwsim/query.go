package cwsim

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// queryNS is the XML namespace of CloudWatch's query-protocol answers.
const queryNS = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// Handler serves CloudWatch's query protocol (form-encoded POST, Action and
// Version in the body, XML answers; the protocol the project's clients
// speak to a local endpoint, see cloudwatchclient.Options) for what the
// stand-in answers, and hands every other request to fallback unchanged:
//
//   - PutAnomalyDetector and DescribeAnomalyDetectors;
//   - GetMetricData with an ANOMALY_DETECTION_BAND expression, or whose
//     metric queries all name series the stand-in holds (the simulator's).
//
// Any other GetMetricData (series written with PutMetricData, which stays
// with fallback) and every other action go to fallback, so a mixed query
// such as the cost report's reads what was put there.
func (c *CloudWatch) Handler(fallback http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			fallback.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			http.Error(w, "failed to read the request body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, err := url.ParseQuery(string(body))
		if err != nil {
			fallback.ServeHTTP(w, r)
			return
		}
		var out any
		switch form.Get("Action") {
		case "PutAnomalyDetector":
			out, err = c.queryPutDetector(r.Context(), form)
		case "DescribeAnomalyDetectors":
			out, err = c.queryDescribeDetectors(r.Context(), form)
		case "GetMetricData":
			in, perr := parseGetMetricData(form)
			if perr != nil || !c.answers(in) {
				fallback.ServeHTTP(w, r)
				return
			}
			out, err = c.queryGetMetricData(r.Context(), in)
		default:
			fallback.ServeHTTP(w, r)
			return
		}
		writeQuery(w, form.Get("Action"), out, err)
	})
}

// answers reports whether a GetMetricData is the stand-in's: it asks for a
// band, or every series it names is one the stand-in holds.
func (c *CloudWatch) answers(in *cloudwatch.GetMetricDataInput) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	metrics := 0
	for _, q := range in.MetricDataQueries {
		if q.Expression != nil && bandExpr.MatchString(*q.Expression) {
			return true
		}
		if q.MetricStat == nil || q.MetricStat.Metric == nil {
			continue
		}
		m := q.MetricStat.Metric
		if _, ok := c.series[seriesKey(aws.ToString(m.Namespace), aws.ToString(m.MetricName), dimMap(m.Dimensions))]; !ok {
			return false
		}
		metrics++
	}
	return metrics > 0
}

// member collects form keys prefix.member.N... into N-ordered sub-forms.
func members(form url.Values, prefix string) []url.Values {
	var out []url.Values
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.member.%d.", prefix, i)
		sub := url.Values{}
		for k, v := range form {
			if rest, ok := strings.CutPrefix(k, p); ok {
				sub[rest] = v
			}
		}
		if len(sub) == 0 {
			return out
		}
		out = append(out, sub)
	}
}

func optString(form url.Values, key string) *string {
	if v, ok := form[key]; ok && len(v) > 0 {
		return aws.String(v[0])
	}
	return nil
}

func parseDimensions(form url.Values, prefix string) []types.Dimension {
	var ds []types.Dimension
	for _, d := range members(form, prefix) {
		ds = append(ds, types.Dimension{Name: optString(d, "Name"), Value: optString(d, "Value")})
	}
	return ds
}

func parseGetMetricData(form url.Values) (*cloudwatch.GetMetricDataInput, error) {
	start, err := time.Parse(time.RFC3339Nano, form.Get("StartTime"))
	if err != nil {
		return nil, fmt.Errorf("StartTime: %w", err)
	}
	end, err := time.Parse(time.RFC3339Nano, form.Get("EndTime"))
	if err != nil {
		return nil, fmt.Errorf("EndTime: %w", err)
	}
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: types.ScanBy(form.Get("ScanBy"))}
	for _, q := range members(form, "MetricDataQueries") {
		mq := types.MetricDataQuery{Id: optString(q, "Id"), Expression: optString(q, "Expression"), Label: optString(q, "Label")}
		if rd := optString(q, "ReturnData"); rd != nil {
			mq.ReturnData = aws.Bool(*rd == "true")
		}
		if ns := optString(q, "MetricStat.Metric.Namespace"); ns != nil {
			period, _ := strconv.Atoi(q.Get("MetricStat.Period"))
			mq.MetricStat = &types.MetricStat{Period: aws.Int32(int32(period)), Stat: optString(q, "MetricStat.Stat"),
				Metric: &types.Metric{Namespace: ns, MetricName: optString(q, "MetricStat.Metric.MetricName"),
					Dimensions: parseDimensions(q, "MetricStat.Metric.Dimensions")}}
		}
		in.MetricDataQueries = append(in.MetricDataQueries, mq)
	}
	return in, nil
}

type xmlDimension struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

type xmlResult struct {
	ID         string    `xml:"Id"`
	Label      string    `xml:"Label"`
	StatusCode string    `xml:"StatusCode"`
	Timestamps []string  `xml:"Timestamps>member"`
	Values     []float64 `xml:"Values>member"`
}

type xmlGetMetricData struct {
	Results []xmlResult `xml:"MetricDataResults>member"`
}

type xmlDetector struct {
	Namespace  string         `xml:"SingleMetricAnomalyDetector>Namespace"`
	MetricName string         `xml:"SingleMetricAnomalyDetector>MetricName"`
	Dimensions []xmlDimension `xml:"SingleMetricAnomalyDetector>Dimensions>member"`
	Stat       string         `xml:"SingleMetricAnomalyDetector>Stat"`
	StateValue string         `xml:"StateValue"`
}

type xmlDescribeDetectors struct {
	Detectors []xmlDetector `xml:"AnomalyDetectors>member"`
}

type xmlEmpty struct{}

func (c *CloudWatch) queryGetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput) (any, error) {
	res, err := c.GetMetricData(ctx, in)
	if err != nil {
		return nil, err
	}
	out := xmlGetMetricData{}
	for _, r := range res.MetricDataResults {
		x := xmlResult{ID: aws.ToString(r.Id), Label: aws.ToString(r.Label), StatusCode: string(r.StatusCode), Values: r.Values}
		for _, t := range r.Timestamps {
			x.Timestamps = append(x.Timestamps, t.UTC().Format(time.RFC3339))
		}
		out.Results = append(out.Results, x)
	}
	return out, nil
}

func (c *CloudWatch) queryPutDetector(ctx context.Context, form url.Values) (any, error) {
	in := &cloudwatch.PutAnomalyDetectorInput{}
	if ns := optString(form, "SingleMetricAnomalyDetector.Namespace"); ns != nil {
		in.SingleMetricAnomalyDetector = &types.SingleMetricAnomalyDetector{Namespace: ns,
			MetricName: optString(form, "SingleMetricAnomalyDetector.MetricName"),
			Stat:       optString(form, "SingleMetricAnomalyDetector.Stat"),
			Dimensions: parseDimensions(form, "SingleMetricAnomalyDetector.Dimensions")}
	}
	if _, err := c.PutAnomalyDetector(ctx, in); err != nil {
		return nil, err
	}
	return xmlEmpty{}, nil
}

func (c *CloudWatch) queryDescribeDetectors(ctx context.Context, form url.Values) (any, error) {
	res, err := c.DescribeAnomalyDetectors(ctx, &cloudwatch.DescribeAnomalyDetectorsInput{
		Namespace: optString(form, "Namespace"), MetricName: optString(form, "MetricName")})
	if err != nil {
		return nil, err
	}
	out := xmlDescribeDetectors{}
	for _, d := range res.AnomalyDetectors {
		s := d.SingleMetricAnomalyDetector
		x := xmlDetector{Namespace: aws.ToString(s.Namespace), MetricName: aws.ToString(s.MetricName), Stat: aws.ToString(s.Stat), StateValue: string(d.StateValue)}
		for _, dim := range s.Dimensions {
			x.Dimensions = append(x.Dimensions, xmlDimension{aws.ToString(dim.Name), aws.ToString(dim.Value)})
		}
		out.Detectors = append(out.Detectors, x)
	}
	return out, nil
}

// writeQuery writes <ActionResponse><ActionResult>…</ActionResult> or, for
// err, the query protocol's ErrorResponse with the code before the colon.
func writeQuery(w http.ResponseWriter, action string, result any, err error) {
	w.Header().Set("Content-Type", "text/xml")
	var b bytes.Buffer
	if err != nil {
		code, msg, ok := strings.Cut(err.Error(), ": ")
		if !ok {
			code, msg = "ValidationError", err.Error()
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(&b, `<ErrorResponse xmlns=%q><Error><Type>Sender</Type><Code>%s</Code><Message>`, queryNS, code)
		_ = xml.EscapeText(&b, []byte(msg))
		b.WriteString(`</Message></Error><RequestId>cwsim</RequestId></ErrorResponse>`)
		_, _ = w.Write(b.Bytes())
		return
	}
	fmt.Fprintf(&b, `<%sResponse xmlns=%q>`, action, queryNS)
	inner, _ := xml.Marshal(result)
	// xml.Marshal names the element after the Go type; the protocol wants
	// <ActionResult>.
	if i, j := bytes.IndexByte(inner, '>'), bytes.LastIndexByte(inner, '<'); i >= 0 && j > i && !bytes.HasSuffix(inner, []byte("/>")) {
		inner = inner[i+1 : j]
	} else {
		inner = nil
	}
	fmt.Fprintf(&b, `<%sResult>%s</%sResult>`, action, inner, action)
	fmt.Fprintf(&b, `<ResponseMetadata><RequestId>cwsim</RequestId></ResponseMetadata></%sResponse>`, action)
	_, _ = w.Write(b.Bytes())
}
