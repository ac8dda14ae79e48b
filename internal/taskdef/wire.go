package taskdef

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/schemas"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// The SDK's own awsJson 1.1 codec converts between ECS wire JSON (the
// camelCase documents users keep in task-definition files) and SDK structs.
// Using it, rather than encoding/json on the structs, keeps member names and
// enum spellings exactly as the ECS API has them.
var (
	protocol       = awsjson.New11(schemas.AmazonEC2ContainerServiceV20141113)
	describeSchema = smithy.NewOperationSchema(schemas.DescribeTaskDefinition, schemas.DescribeTaskDefinitionResponse, schemas.DescribeTaskDefinitionResponse)
	registerSchema = smithy.NewOperationSchema(schemas.RegisterTaskDefinition, schemas.RegisterTaskDefinitionRequest, schemas.RegisterTaskDefinitionResponse)
)

func serialize(schema *smithy.OperationSchema, in smithy.Serializable) ([]byte, error) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	if err := protocol.SerializeRequest(context.Background(), schema, in, req); err != nil {
		return nil, fmt.Errorf("failed to encode task definition: %w", err)
	}
	s := req.GetStream()
	if s == nil {
		return []byte("{}"), nil
	}
	return io.ReadAll(s)
}

// wireOf returns the ECS wire JSON of a task definition as a map.
func wireOf(td *types.TaskDefinition, tags []types.Tag) (map[string]any, []any, error) {
	b, err := serialize(describeSchema, &ecs.DescribeTaskDefinitionOutput{TaskDefinition: td, Tags: tags})
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		TaskDefinition map[string]any `json:"taskDefinition"`
		Tags           []any          `json:"tags"`
	}
	if err := decodeJSON(b, &doc); err != nil {
		return nil, nil, err
	}
	return doc.TaskDefinition, doc.Tags, nil
}

// registerWire returns the wire JSON of a RegisterTaskDefinitionInput.
func registerWire(in *ecs.RegisterTaskDefinitionInput) (map[string]any, error) {
	b, err := serialize(registerSchema, in)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := decodeJSON(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// typedOf decodes a wire document into SDK types with the SDK's decoder.
// Keys the SDK does not know are skipped here (and kept by the caller).
func typedOf(doc map[string]any, tags []any) (*types.TaskDefinition, []types.Tag, error) {
	body, err := json.Marshal(map[string]any{"taskDefinition": doc, "tags": tags})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to encode task definition: %w", err)
	}
	resp := &smithyhttp.Response{Response: &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": []string{"application/x-amz-json-1.1"}},
		Body:       io.NopCloser(bytes.NewReader(body)),
	}}
	out := &ecs.DescribeTaskDefinitionOutput{}
	if err := protocol.DeserializeResponse(context.Background(), describeSchema, ecs.TypeRegistry, resp, out); err != nil {
		return nil, nil, fmt.Errorf("task definition does not match the ECS schema: %w", err)
	}
	return out.TaskDefinition, out.Tags, nil
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}
