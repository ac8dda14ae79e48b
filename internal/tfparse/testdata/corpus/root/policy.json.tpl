{
  "Version": "2012-10-17",
  "Statement": [
%{ for i, b in buckets ~}
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": "arn:aws:s3:::${b}-${account}/*"
    }%{ if i < length(buckets) - 1 },%{ endif }
%{ endfor ~}
  ]
}
