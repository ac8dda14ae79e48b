package tfstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3API is the one S3 call the loader makes.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Location says where a state lives: a local path or an S3 bucket and key.
type Location struct {
	Path   string
	Bucket string
	Key    string
	// Region of the bucket when the backend block names one.
	Region string
}

// String renders the location as a path or an s3:// URL.
func (l Location) String() string {
	if l.Bucket != "" {
		return "s3://" + l.Bucket + "/" + l.Key
	}
	return l.Path
}

// IsS3 reports whether the state lives in S3.
func (l Location) IsS3() bool { return l.Bucket != "" }

// ParseLocation reads "s3://bucket/key" or a local path.
func ParseLocation(s string) (Location, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Location{}, errors.New("is empty")
	}
	if rest, ok := strings.CutPrefix(s, "s3://"); ok {
		bucket, key, _ := strings.Cut(rest, "/")
		if bucket == "" || key == "" || strings.HasSuffix(key, "/") {
			return Location{}, errors.New("is not an s3://bucket/key URL naming one object")
		}
		return Location{Bucket: bucket, Key: key}, nil
	}
	if strings.Contains(s, "://") {
		return Location{}, errors.New("uses an unsupported scheme; give a local file or s3://bucket/key")
	}
	return Location{Path: s}, nil
}

// MaxStateSize caps how much of a state object is read (256 MiB).
const MaxStateSize = 256 << 20

// Load reads and parses the state at loc. A missing file, bucket or key
// wraps ErrNotFound; a document that is not state is a *FormatError.
func Load(ctx context.Context, loc Location, client S3API) (*State, error) {
	var data []byte
	if loc.IsS3() {
		if client == nil {
			return nil, errors.New("no S3 client to read " + loc.String())
		}
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &loc.Bucket, Key: &loc.Key})
		if err != nil {
			var nsk *s3types.NoSuchKey
			var nsb *s3types.NoSuchBucket
			var ae smithy.APIError
			switch {
			case errors.As(err, &nsk):
				return nil, fmt.Errorf("%w: key %q does not exist in bucket %q", ErrNotFound, loc.Key, loc.Bucket)
			case errors.As(err, &nsb):
				return nil, fmt.Errorf("%w: bucket %q does not exist", ErrNotFound, loc.Bucket)
			case errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket":
				return nil, fmt.Errorf("%w: bucket %q does not exist", ErrNotFound, loc.Bucket)
			case errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound"):
				return nil, fmt.Errorf("%w: key %q does not exist in bucket %q", ErrNotFound, loc.Key, loc.Bucket)
			}
			return nil, fmt.Errorf("failed to read state %s: %w", loc, err)
		}
		defer out.Body.Close()
		data, err = io.ReadAll(io.LimitReader(out.Body, MaxStateSize))
		if err != nil {
			return nil, fmt.Errorf("failed to read state %s: %w", loc, err)
		}
	} else {
		var err error
		data, err = os.ReadFile(loc.Path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: file %s does not exist", ErrNotFound, loc.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("failed to read state %s: %w", loc.Path, err)
		}
	}
	return Parse(data)
}
