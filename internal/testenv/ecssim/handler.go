package ecssim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
)

// TargetPrefix is the X-Amz-Target prefix of ECS JSON 1.1 requests.
const TargetPrefix = "AmazonEC2ContainerServiceV20141113."

type opFunc func(ctx context.Context, body []byte) (smithy.Serializable, error)

func op[In any, Out smithy.Serializable](fn func(context.Context, *In, ...func(*ecs.Options)) (Out, error)) opFunc {
	return func(ctx context.Context, body []byte) (smithy.Serializable, error) {
		in := new(In)
		if err := decodeInput(body, in); err != nil {
			return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: err.Error(), Fault: smithy.FaultClient}
		}
		return fn(ctx, in)
	}
}

// Operations returns the ECS operations the simulator answers itself; a
// Handler passes every other ECS operation to its fallback.
func (s *Sim) Operations() []string {
	ops := make([]string, 0, len(s.ops()))
	for name := range s.ops() {
		ops = append(ops, name)
	}
	sortStrings(ops)
	return ops
}

func (s *Sim) ops() map[string]opFunc {
	return map[string]opFunc{
		"CreateCluster":              op(s.CreateCluster),
		"DescribeClusters":           op(s.DescribeClusters),
		"ListClusters":               op(s.ListClusters),
		"RegisterTaskDefinition":     op(s.RegisterTaskDefinition),
		"DescribeTaskDefinition":     op(s.DescribeTaskDefinition),
		"DeregisterTaskDefinition":   op(s.DeregisterTaskDefinition),
		"ListTaskDefinitions":        op(s.ListTaskDefinitions),
		"CreateService":              op(s.CreateService),
		"UpdateService":              op(s.UpdateService),
		"DeleteService":              op(s.DeleteService),
		"DescribeServices":           op(s.DescribeServices),
		"ListServices":               op(s.ListServices),
		"ListTasks":                  op(s.ListTasks),
		"DescribeTasks":              op(s.DescribeTasks),
		"DescribeServiceDeployments": op(s.DescribeServiceDeployments),
		"DescribeServiceRevisions":   op(s.DescribeServiceRevisions),
		"ListServiceDeployments":     op(s.ListServiceDeployments),
		"StopServiceDeployment":      op(s.StopServiceDeployment),
		"ContinueServiceDeployment":  op(s.ContinueServiceDeployment),
		"TagResource":                op(s.TagResource),
		"UntagResource":              op(s.UntagResource),
		"ListTagsForResource":        op(s.ListTagsForResource),
		"ListTaskDefinitionFamilies": op(s.ListTaskDefinitionFamilies),
	}
}

// HandlerOption configures NewHandler.
type HandlerOption func(*handler)

// WithRealTime makes the handler advance the simulator's clock from real
// time before each request. While the simulator is busy (a deployment in
// progress, tasks starting or stopping) its clock runs speed times faster
// than real time (20 turns a 1-minute rollout into 3 seconds); while it is
// idle its clock stands still until real time has caught up with it, so
// simulated timestamps stay close to the wall clock between deployments
// (start the Sim's clock at time.Now()). Without this option the clock moves
// only when the owner of the Sim advances it.
func WithRealTime(speed float64) HandlerOption {
	return func(h *handler) { h.speed = speed }
}

// withWallClock replaces time.Now for WithRealTime (tests).
func withWallClock(now func() time.Time) HandlerOption {
	return func(h *handler) { h.wall = now }
}

type handler struct {
	sim      *Sim
	fallback http.Handler
	ops      map[string]opFunc
	speed    float64
	wall     func() time.Time

	mu       sync.Mutex
	lastWall time.Time
}

// NewHandler returns an http.Handler speaking the ECS JSON 1.1 protocol
// (X-Amz-Target AmazonEC2ContainerServiceV20141113.<Op>) for the operations
// in Sim.Operations, answered by sim. Every other request — other ECS
// operations and other services — goes to fallback (moto in the sandbox);
// with a nil fallback those get an UnknownOperationException.
func NewHandler(sim *Sim, fallback http.Handler, opts ...HandlerOption) http.Handler {
	h := &handler{sim: sim, fallback: fallback, ops: sim.ops(), wall: time.Now}
	for _, o := range opts {
		o(h)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	name, isECS := strings.CutPrefix(target, TargetPrefix)
	fn := h.ops[name]
	if !isECS || fn == nil || r.Method != http.MethodPost {
		if h.fallback != nil {
			h.fallback.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %q is not supported by the ECS simulator", target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "failed to read request body")
		return
	}
	h.tick()
	out, err := fn(r.Context(), body)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			status := http.StatusBadRequest
			if ae.ErrorFault() == smithy.FaultServer {
				status = http.StatusInternalServerError
			}
			writeError(w, status, ae.ErrorCode(), ae.ErrorMessage())
			return
		}
		writeError(w, http.StatusInternalServerError, "ServerException", err.Error())
		return
	}
	data, err := encodeOutput(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "ServerException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", requestID(body))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// tick advances the simulator by the scaled real time since the last request.
func (h *handler) tick() {
	if h.speed <= 0 {
		return
	}
	h.mu.Lock()
	now := h.wall()
	var d time.Duration
	if !h.lastWall.IsZero() {
		if h.sim.busy() {
			d = time.Duration(float64(now.Sub(h.lastWall)) * h.speed)
		} else {
			d = now.Sub(h.sim.Now())
		}
	}
	h.lastWall = now
	h.mu.Unlock()
	if d > 0 {
		h.sim.Advance(d)
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func requestID(body []byte) string { return uuidLike(hashHex(string(body) + time.Now().String())) }
