# Deploy: the SAM application (template.yaml, container/service.yaml) and the service image. See docs/deploy.md.
INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed-$(shell cat tests/infra/requirements.txt functions/recrawl/requirements.txt | sha1sum | cut -c1-12)
SAM := $(INFRA_VENV)/bin/sam
SAM_ENV := SAM_CLI_TELEMETRY=0
STACK ?= $(if $(filter prod,$(CONFIG_ENV)),llmstxt-prod,llmstxt)
CONFIG_ENV ?= default
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
TAG ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo latest)
IMAGE ?= llmstxt:$(TAG)
PARAMS ?=

.PHONY: infra-deps build deploy image push ecr-login delete

# Heavy CLIs (sam, cfn-lint, checkov, hadolint) in their own venv; the Lambda's deps in the main one for its tests.
$(INFRA_STAMP): tests/infra/requirements.txt functions/recrawl/requirements.txt | venv
	@test -x $(INFRA_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INFRA_VENV)/bin/python -m pip install --quiet -r tests/infra/requirements.txt
	$(PY) -m pip install --quiet -r functions/recrawl/requirements.txt 'moto[server]' boto3
	@rm -f $(INFRA_VENV)/.installed-*; touch $@

infra-deps: $(INFRA_STAMP)

test-deps: infra-deps

build: infra-deps
	$(SAM_ENV) $(SAM) build --config-env $(CONFIG_ENV)

# First deploy: make deploy PARAMS="VpcId=vpc-... SubnetIds=subnet-a,subnet-b DesiredCount=0 MinCapacity=0"
deploy: build
	$(SAM_ENV) $(SAM) deploy --config-env $(CONFIG_ENV) --stack-name $(STACK) --region $(REGION) \
		$(if $(PARAMS),--parameter-overrides $(PARAMS))

# The stack's ECR repository, read from its outputs (needs a deployed stack and AWS credentials).
REPO_URI = $(shell aws cloudformation describe-stacks --stack-name $(STACK) --region $(REGION) \
	--query "Stacks[0].Outputs[?OutputKey=='RepositoryUri'].OutputValue" --output text)

image:
	docker build --platform linux/amd64 -t $(IMAGE) -f container/Dockerfile container

ecr-login:
	aws ecr get-login-password --region $(REGION) | docker login --username AWS --password-stdin $(firstword $(subst /, ,$(REPO_URI)))

push: image ecr-login
	docker tag $(IMAGE) $(REPO_URI):$(TAG)
	docker tag $(IMAGE) $(REPO_URI):latest
	docker push $(REPO_URI):$(TAG)
	docker push $(REPO_URI):latest

delete: infra-deps
	$(SAM_ENV) $(SAM) delete --stack-name $(STACK) --region $(REGION)
