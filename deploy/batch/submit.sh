#!/usr/bin/env bash
# submit.sh: run Wiretap sharded on AWS Batch (Fargate, EFS for /out).
#
#   deploy/batch/submit.sh --register   # once, and after changing job-definition.json
#   deploy/batch/submit.sh              # an array job of N shards, then the merge
#
# The shards are an array job (arrayProperties.size = N in shards-job.json):
# Batch gives child i AWS_BATCH_JOB_ARRAY_INDEX=i, and `wiretap run --shard N`
# reads it. The merge depends on the array job's own id, with no type: it
# starts only when every child has succeeded, and fails (never runs) if one
# fails for good. (N_TO_N would make the merge an array job of N children,
# each waiting for one shard; SEQUENTIAL chains the children of one array
# job; neither is a merge.)
#
# N appears in shards-job.json (arrayProperties.size and the --shard count)
# and merge-job.json (--shards); deploy/k8s_test.go checks they agree.
# Needs the AWS CLI v2 and credentials that may submit to the queue.
set -euo pipefail
cd "$(dirname "$0")"

if [[ "${1:-}" == --register ]]; then
	aws batch register-job-definition --cli-input-json file://job-definition.json \
		--query '[jobDefinitionName, revision]' --output text
	exit 0
fi

shards=$(aws batch submit-job --cli-input-json file://shards-job.json --query jobId --output text)
echo "shards: array job $shards"
merge=$(aws batch submit-job --cli-input-json file://merge-job.json \
	--depends-on "jobId=$shards" --query jobId --output text)
echo "merge:  job $merge, after $shards"
echo
echo "Follow them with:"
echo "  aws batch describe-jobs --jobs $shards $merge --query 'jobs[].[jobName,status,arrayProperties.statusSummary]'"
