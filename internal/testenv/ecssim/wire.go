package ecssim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/schemas"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// The ECS client serialises with smithy schemas; its generated output types
// can describe themselves (Serialize) but input types cannot be decoded by
// the SDK. Responses are therefore written by the SDK's own awsJson 1.1
// protocol (exact member names, epoch-seconds timestamps), and requests are
// decoded here by reflection: wire members are the lowerCamelCase forms of
// the Go field names, matched case-insensitively.

var (
	wireProto  = awsjson.New11(schemas.AmazonEC2ContainerServiceV20141113)
	wireSchema = smithy.NewOperationSchema(schemas.DescribeServices, schemas.DescribeServicesResponse, schemas.DescribeServicesResponse)
)

// encodeOutput renders an SDK output value as ECS JSON.
func encodeOutput(v smithy.Serializable) ([]byte, error) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	if err := wireProto.SerializeRequest(context.Background(), wireSchema, v, req); err != nil {
		return nil, fmt.Errorf("failed to encode response: %w", err)
	}
	stream := req.GetStream()
	if stream == nil {
		return []byte("{}"), nil
	}
	return io.ReadAll(stream)
}

// decodeInput fills the SDK input value out from an ECS JSON request body.
func decodeInput(body []byte, out any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("request body is not JSON: %w", err)
	}
	return decodeValue(raw, reflect.ValueOf(out).Elem(), "")
}

var (
	timeType   = reflect.TypeOf(time.Time{})
	fieldCache sync.Map // reflect.Type -> map[string]int (lower-case name -> field index)
)

func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.IsExported() {
			m[strings.ToLower(f.Name)] = i
		}
	}
	fieldCache.Store(t, m)
	return m
}

func decodeValue(raw any, v reflect.Value, where string) error {
	if raw == nil {
		return nil
	}
	bad := func() error {
		return fmt.Errorf("unexpected %T for %s (%s)", raw, strings.TrimPrefix(where, "."), v.Type())
	}
	if v.Type() == timeType {
		return decodeTime(raw, v, bad)
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := decodeValue(raw, elem.Elem(), where); err != nil {
			return err
		}
		v.Set(elem)
	case reflect.Interface:
		// document members (lifecycle hook details for Lambda hooks) are
		// not modelled by the simulator and are dropped.
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		fields := fieldsOf(v.Type())
		for k, val := range obj {
			if i, ok := fields[strings.ToLower(k)]; ok {
				if err := decodeValue(val, v.Field(i), where+"."+k); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // blob
			s, ok := raw.(string)
			if !ok {
				return bad()
			}
			v.SetBytes([]byte(s))
			return nil
		}
		arr, ok := raw.([]any)
		if !ok {
			return bad()
		}
		out := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, x := range arr {
			if err := decodeValue(x, out.Index(i), fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
		v.Set(out)
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		out := reflect.MakeMapWithSize(v.Type(), len(obj))
		for k, x := range obj {
			val := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(x, val, where+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), val)
		}
		v.Set(out)
	default:
		return decodeScalar(raw, v, bad)
	}
	return nil
}

// decodeTime reads a timestamp: epoch seconds (with a fraction) or an
// RFC 3339 string.
func decodeTime(raw any, v reflect.Value, bad func() error) error {
	switch x := raw.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return bad()
		}
		sec, frac := math.Modf(f)
		v.Set(reflect.ValueOf(time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()))
		return nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return bad()
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	return bad()
}

// decodeScalar reads a string, bool, integer or float member.
func decodeScalar(raw any, v reflect.Value, bad func() error) error {
	switch v.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return bad()
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return bad()
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := raw.(json.Number)
		if !ok {
			return bad()
		}
		i, err := n.Int64()
		if err != nil {
			return bad()
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, ok := raw.(json.Number)
		if !ok {
			return bad()
		}
		f, err := n.Float64()
		if err != nil {
			return bad()
		}
		v.SetFloat(f)
	default:
		return bad()
	}
	return nil
}
