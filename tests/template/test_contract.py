"""template.yaml against the code it deploys: routes, environment, media types and IAM actions agree."""

from __future__ import annotations

import re

import pytest

from tests.template.code_facts import (
    app_routes,
    composition_root,
    declared_iam_actions,
    declared_settings,
    load_app,
    media_types_in_code,
    openapi_media_types,
    travels_as_text,
    variables_read_by,
)
from tests.template.stack import FunctionSpec, Stack, load_template
from voice_service.catalog_boundary.operations import OPERATIONS

STACK = Stack(load_template())
FUNCTIONS = sorted(STACK.functions.values(), key=lambda function: function.logical_id)
CATALOG_OPERATIONS_VARIABLE = "OPENTALKING_CATALOG_OPERATIONS"
CATALOG_FUNCTION_VARIABLE = "OPENTALKING_CATALOG_FUNCTION"
# The catalog functions, reached only by invoke; the functions behind the REST API (each has a FastAPI `app`; the
# authorizer, which API Gateway calls before them, has no route); the one answering every path's CORS preflight; the
# ones that run on a schedule. The API and scheduled functions are the catalog's callers.
CATALOG_FUNCTIONS = [function for function in FUNCTIONS if CATALOG_OPERATIONS_VARIABLE in function.environment]
API_FUNCTIONS = [function for function in FUNCTIONS if function.routes]
PREFLIGHT_FUNCTIONS = [function for function in FUNCTIONS if function.preflight_paths]
SCHEDULED_FUNCTIONS = [function for function in FUNCTIONS if function.schedules]
CALLER_FUNCTIONS = API_FUNCTIONS + SCHEDULED_FUNCTIONS
# The API's Lambda authorizers, which API Gateway calls before the API functions.
AUTHORIZER_FUNCTIONS = [
    STACK.functions[authorizer["FunctionArn"]["Fn::GetAtt"][0]]
    for authorizer in STACK.api["Auth"]["Authorizers"].values()
]
# Set by the Lambda runtime itself (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
LAMBDA_PROVIDED = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_EXECUTION_ENV", "TZ"}
# Read by libraries, not by the project's settings models.
LIBRARY_VARIABLE_PREFIXES = ("POWERTOOLS_",)
SECRET_ARN_VARIABLE = "OPENTALKING_PROVIDER_SECRETS_ARN"
SQLITE_PATH_VARIABLE = "OPENTALKING_SQLITE_PATH"
BUCKET_VARIABLE = "OPENTALKING_SAMPLES_BUCKET"
SPEECH_CACHE_VARIABLE = "OPENTALKING_SPEECH_CACHE_BUCKET"
S3_BUCKETS = set(STACK.of_type("AWS::S3::Bucket"))
FFMPEG_VARIABLE = "OPENTALKING_FFMPEG_PATH"
# The clone conversion's and /v1/audio/speech's aac encoder's ffmpeg: both the layer's binary in Lambda.
FFMPEG_VARIABLES = {FFMPEG_VARIABLE, "OPENTALKING_SPEECH_FFMPEG_EXE"}

by_function = pytest.mark.parametrize("function", FUNCTIONS, ids=lambda function: function.logical_id)
by_api_function = pytest.mark.parametrize("function", API_FUNCTIONS, ids=lambda function: function.logical_id)
by_caller_function = pytest.mark.parametrize("function", CALLER_FUNCTIONS, ids=lambda function: function.logical_id)
by_catalog_function = pytest.mark.parametrize("function", CATALOG_FUNCTIONS, ids=lambda function: function.logical_id)


def test_every_function_is_behind_the_api_answers_preflights_scheduled_an_authorizer_or_a_catalog_function() -> None:
    groups = [
        {f.logical_id for f in group}
        for group in (API_FUNCTIONS, PREFLIGHT_FUNCTIONS, SCHEDULED_FUNCTIONS, AUTHORIZER_FUNCTIONS, CATALOG_FUNCTIONS)
    ]
    assert set().union(*groups) == {f.logical_id for f in FUNCTIONS}
    assert sum(len(group) for group in groups) == len(FUNCTIONS)


@by_api_function
def test_the_template_routes_exactly_what_the_functions_app_serves(function: FunctionSpec) -> None:
    # GIVEN the function's FastAPI app, as the Lambda imports it
    app = load_app(function.app_module)

    # THEN API Gateway sends it exactly the routes it serves: none missing (404 from API Gateway), none extra
    assert function.routes == app_routes(app), function.logical_id


def test_every_route_path_has_its_preflight_on_the_one_preflight_function() -> None:
    # The preflight function's CORS middleware answers every path's OPTIONS from the allow-list (SAM's MOCK can echo
    # one origin only), with no authorizer. No function serves both an authorized method and the unauthorized
    # OPTIONS of one path: `sam local start-api` merges one function's routes of a path into one route with one
    # authorizer setting (samcli's ApiCollector.dedupe_function_routes), which cost such routes their authorizer
    (preflight,) = PREFLIGHT_FUNCTIONS
    route_paths = {route.path for function in API_FUNCTIONS for route in function.routes}
    assert preflight.preflight_paths == route_paths
    assert not preflight.routes
    for function in API_FUNCTIONS:
        assert not function.preflight_paths, function.logical_id


def test_the_preflight_function_answers_options_only_and_reads_only_the_allow_list() -> None:
    (function,) = PREFLIGHT_FUNCTIONS
    # GIVEN its app, as the Lambda imports it: no documented route (the CORS middleware answers preflights; any
    # other OPTIONS is refused by one undocumented catch-all)
    app = load_app(function.app_module)
    assert app_routes(app) == set()
    # THEN it reads the allow-list and nothing else, needs no AWS permission, and is outside the VPC
    assert dict(declared_settings(function.app_module).variables()).keys() == {("OPENTALKING_CORS_ALLOW_ORIGINS",)}
    assert set(function.own_environment) == {"OPENTALKING_CORS_ALLOW_ORIGINS"}
    assert not function.statements and not declared_iam_actions(function.app_module)
    assert not function.in_vpc and not function.layer_ids


def test_no_route_is_claimed_by_two_functions() -> None:
    claimed = [route for function in FUNCTIONS for route in function.routes]
    assert len(claimed) == len(set(claimed))
    preflights = [path for function in FUNCTIONS for path in function.preflight_paths]
    assert len(preflights) == len(set(preflights))


def test_every_function_is_behind_the_one_rest_api_but_the_catalog_functions() -> None:
    assert CATALOG_FUNCTIONS and all(not function.properties.get("Events") for function in CATALOG_FUNCTIONS)
    (api_id,) = STACK.of_type("AWS::Serverless::Api")
    for function in API_FUNCTIONS:
        assert function.api_ids and all(ref == {"Ref": api_id} for ref in function.api_ids), function.logical_id


@by_function
def test_every_variable_the_template_sets_is_read_by_the_function(function: FunctionSpec) -> None:
    # A renamed setting leaves its old name in the template, silently ignored: catch it here
    read = {name for names in variables_read_by(function.app_module) for name in names}
    stale = {
        name for name in function.own_environment if not name.startswith(LIBRARY_VARIABLE_PREFIXES) and name not in read
    }
    assert not stale, f"{function.logical_id} sets variables its code never reads: {sorted(stale)}"


def test_every_global_variable_is_read_by_the_functions_that_serve_the_api() -> None:
    # Globals reach the scheduled reconciler too, which has no HTTP app (and no CORS)
    global_variables = STACK.template["Globals"]["Function"]["Environment"]["Variables"]
    for function in API_FUNCTIONS:
        read = {name for names in variables_read_by(function.app_module) for name in names}
        own = {name for name in global_variables if not name.startswith(LIBRARY_VARIABLE_PREFIXES)}
        stale = own - read
        assert not stale, f"{function.logical_id} never reads these global variables: {sorted(stale)}"


@by_function
def test_every_variable_without_a_default_is_set_by_the_template(function: FunctionSpec) -> None:
    available = set(function.environment) | LAMBDA_PROVIDED
    missing = [
        names
        for names, field in variables_read_by(function.app_module).items()
        if field.is_required() and not available.intersection(names)
    ]
    assert not missing, f"{function.logical_id} needs these set in template.yaml: {missing}"


@by_function
def test_provider_keys_never_appear_in_the_template(function: FunctionSpec) -> None:
    # Keys live in Secrets Manager; a key variable in the template would put it in plain sight of the console
    secret_variables = {
        name
        for names, field in variables_read_by(function.app_module).items()
        if "SecretStr" in str(field.annotation)
        for name in names
    }
    assert not secret_variables.intersection(function.environment)


@by_function
def test_only_the_catalog_functions_are_in_the_vpc_and_mount_efs(function: FunctionSpec) -> None:
    if function not in CATALOG_FUNCTIONS:
        # Everything that reaches the internet runs outside the VPC, which then needs no NAT gateway
        assert not function.mount_paths and not function.in_vpc
        assert SQLITE_PATH_VARIABLE not in function.environment
        return
    (mount_path,) = function.mount_paths
    assert str(function.environment[SQLITE_PATH_VARIABLE]).startswith(f"{mount_path}/")
    assert function.in_vpc
    # SAM: a function mounting EFS must depend on the mount targets, or it may be created before them
    mount_targets = set(STACK.of_type("AWS::EFS::MountTarget"))
    assert mount_targets <= set(function.resource.get("DependsOn", []))
    # It touches nothing but EFS: no AWS API, no secret, no bucket
    assert {action.split(":")[0] for action in function.allowed_actions} == {"elasticfilesystem"}


@by_catalog_function
def test_each_catalog_function_serves_what_its_one_caller_declared(function: FunctionSpec) -> None:
    served = set(str(function.environment[CATALOG_OPERATIONS_VARIABLE]).split(","))
    assert served and served <= set(OPERATIONS)
    callers = [
        caller
        for caller in CALLER_FUNCTIONS
        for statement in caller.statements_allowing("lambda:InvokeFunction")
        if statement["Resource"] == {"Fn::GetAtt": [function.logical_id, "Arn"]}
    ]
    assert len(callers) == 1, f"{function.logical_id} is invoked by {[c.logical_id for c in callers]}"
    # ... exactly the operations that caller's composition root declares, no more
    assert served == composition_root(callers[0].app_module).CATALOG_OPERATIONS


@by_caller_function
def test_a_catalog_caller_may_invoke_its_own_catalog_function_and_nothing_else(function: FunctionSpec) -> None:
    invoke_statements = function.statements_allowing("lambda:InvokeFunction")
    if not hasattr(composition_root(function.app_module), "CATALOG_OPERATIONS"):
        assert not invoke_statements and CATALOG_FUNCTION_VARIABLE not in function.environment
        return
    (statement,) = invoke_statements
    assert statement["Action"] == "lambda:InvokeFunction"
    target = function.environment[CATALOG_FUNCTION_VARIABLE]["Ref"]
    assert statement["Resource"] == {"Fn::GetAtt": [target, "Arn"]}
    assert target in {catalog.logical_id for catalog in CATALOG_FUNCTIONS}


@by_function
def test_efs_write_permission_goes_only_to_functions_that_change_the_catalog(function: FunctionSpec) -> None:
    if not function.mount_paths:
        assert not any(action.startswith("elasticfilesystem:") for action in function.allowed_actions)
        return
    assert "elasticfilesystem:ClientMount" in function.allowed_actions
    served = str(function.environment[CATALOG_OPERATIONS_VARIABLE]).split(",")
    writes = any(OPERATIONS[name].writes for name in served)
    assert ("elasticfilesystem:ClientWrite" in function.allowed_actions) is writes


@by_catalog_function
def test_timeouts_nest_so_a_typed_answer_arrives_before_anyone_gives_up(function: FunctionSpec) -> None:
    # The catalog function's busy wait ends inside its own timeout, which ends inside its caller's invoke timeout,
    # which ends inside the caller's own timeout: a busy catalog is a 503 with a sentence, never a Lambda timeout.
    busy = float(function.environment["OPENTALKING_SQLITE_BUSY_TIMEOUT_SECONDS"])
    assert busy < function.properties["Timeout"]
    for caller in CALLER_FUNCTIONS:
        if caller.environment.get(CATALOG_FUNCTION_VARIABLE) == {"Ref": function.logical_id}:
            invoke_timeout = float(caller.environment["OPENTALKING_CATALOG_INVOKE_TIMEOUT_SECONDS"])
            assert function.properties["Timeout"] < invoke_timeout < caller.properties["Timeout"], caller.logical_id


@by_function
def test_bucket_and_secret_variables_name_the_stacks_own_resources(function: FunctionSpec) -> None:
    read = {name for names in variables_read_by(function.app_module) for name in names}
    if BUCKET_VARIABLE in read:
        assert function.environment[BUCKET_VARIABLE] == {"Ref": "SamplesBucket"}
    if SPEECH_CACHE_VARIABLE in read:
        assert function.environment[SPEECH_CACHE_VARIABLE] == {"Ref": "SpeechCacheBucket"}
    if SECRET_ARN_VARIABLE in read:
        secret = function.environment[SECRET_ARN_VARIABLE]
        # The function may read exactly the secret it is told about
        (statement,) = function.statements_allowing("secretsmanager:GetSecretValue")
        assert statement["Resource"] == secret


@by_function
def test_ffmpeg_comes_from_the_layer_where_the_code_runs_it(function: FunctionSpec) -> None:
    read = {name for names in variables_read_by(function.app_module) for name in names}
    runs_ffmpeg = read & FFMPEG_VARIABLES
    if runs_ffmpeg:
        for variable in runs_ffmpeg:
            assert function.environment[variable] == "/opt/bin/ffmpeg", variable
        assert "FfmpegLayer" in function.layer_ids
    else:
        assert "FfmpegLayer" not in function.layer_ids


@by_function
def test_iam_allows_exactly_the_aws_actions_the_adapters_declare(function: FunctionSpec) -> None:
    # GIVEN the AWS actions the function's adapters declare (its composition root's IAM_ACTIONS)
    declared = declared_iam_actions(function.app_module)

    # THEN its policies allow each one (none missing: AccessDenied at run time) and nothing else (least privilege);
    # EFS access follows from the mount and is checked above
    granted = {action for action in function.allowed_actions if not action.startswith("elasticfilesystem:")}
    assert declared == granted, f"{function.logical_id}: declared {sorted(declared)}, granted {sorted(granted)}"


@by_function
def test_iam_statements_are_scoped(function: FunctionSpec) -> None:
    for statement in function.statements:
        assert statement.get("Effect") == "Allow"
        assert "*" not in str(statement["Action"]), statement
        assert statement["Resource"] != "*", statement
        for action in statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]:
            if action == "s3:ListBucket":
                # Listing is a bucket action: one of the stack's buckets, never a wildcard
                (bucket, attribute) = statement["Resource"]["Fn::GetAtt"]
                assert bucket in S3_BUCKETS and attribute == "Arn"
            elif action.startswith("s3:"):
                # Object actions only, and only under the prefix the function works on (all of it, or the objects
                # with one suffix, such as the upload claims `uploads/*.claim`), in one of the stack's buckets
                resource = statement["Resource"]["Fn::Sub"]
                match = re.fullmatch(r"\$\{([A-Za-z]+)\.Arn\}/[a-z]+/\*(\.[a-z]+)?", resource)
                assert match and match.group(1) in S3_BUCKETS, resource


def _s3_grants(function: FunctionSpec) -> dict[str, object]:
    return {
        action: statement["Resource"]
        for statement in function.statements
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        if action.startswith("s3:")
    }


def test_the_preview_function_reads_and_writes_only_the_cache_prefix() -> None:
    from voice_service.adapters.s3_speech_cache import CACHE_PREFIX

    # GIVEN every S3 grant of the preview function
    grants = _s3_grants(STACK.functions["PreviewFunction"])
    # THEN it may read and write objects under the code's cache prefix of the cache bucket, and list that bucket
    # (so a miss is a 404, not a 403); nothing in the samples bucket, no delete
    cache_objects = {"Fn::Sub": f"${{SpeechCacheBucket.Arn}}/{CACHE_PREFIX}*"}
    assert grants == {
        "s3:GetObject": cache_objects,
        "s3:PutObject": cache_objects,
        "s3:ListBucket": {"Fn::GetAtt": ["SpeechCacheBucket", "Arn"]},
    }


def _s3_grant_pairs(function: FunctionSpec) -> set[tuple[str, str]]:
    """Each S3 action with the resource it is granted on, as the Sub text (or the bucket's name for GetAtt)."""
    pairs = set()
    for statement in function.statements:
        for action in statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]:
            if action.startswith("s3:"):
                resource = statement["Resource"]
                pairs.add((action, resource["Fn::Sub"] if "Fn::Sub" in resource else resource["Fn::GetAtt"][0]))
    return pairs


def test_the_delete_function_may_purge_only_the_cache_prefix_and_delete_consent_statements() -> None:
    from voice_service.adapters.s3_consent_statements import STATEMENT_PREFIX
    from voice_service.adapters.s3_speech_cache import CACHE_PREFIX

    function = STACK.functions["DeleteVoiceFunction"]
    assert _s3_grant_pairs(function) == {
        ("s3:DeleteObject", f"${{SpeechCacheBucket.Arn}}/{CACHE_PREFIX}*"),
        ("s3:ListBucket", "SpeechCacheBucket"),
        ("s3:DeleteObject", f"${{SamplesBucket.Arn}}/{STATEMENT_PREFIX}*"),
    }
    (listing,) = function.statements_allowing("s3:ListBucket")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": f"{CACHE_PREFIX}*"}}


def test_only_the_clone_may_store_consent_statements_and_only_their_deleters_delete_them() -> None:
    from voice_service.adapters.s3_consent_statements import STATEMENT_PREFIX

    # GIVEN every function's grants on the samples bucket's consent prefix
    statements = f"${{SamplesBucket.Arn}}/{STATEMENT_PREFIX}*"
    grants = {
        function.logical_id: {action for action, resource in _s3_grant_pairs(function) if resource == statements}
        for function in STACK.functions.values()
    }
    # THEN the clone stores them (and deletes one when its clone fails), the delete function and the reconciler
    # delete them with the rows they remove, the read of one voice presigns a GET; nobody else touches them
    assert {logical_id: actions for logical_id, actions in grants.items() if actions} == {
        "CloneVoiceFunction": {"s3:PutObject", "s3:DeleteObject"},
        "DeleteVoiceFunction": {"s3:DeleteObject"},
        "ReconcileVoicesFunction": {"s3:DeleteObject"},
        "GetVoiceFunction": {"s3:GetObject"},
    }
    # AND no grant on the whole bucket reaches them another way
    for function in STACK.functions.values():
        for _, resource in _s3_grant_pairs(function):
            assert not resource.startswith("${SamplesBucket.Arn}/*"), function.logical_id


def test_binary_media_types_cover_every_binary_body_and_nothing_else() -> None:
    # GIVEN every media type the functions declare in OpenAPI or use in their code
    used: set[str] = set()
    for function in API_FUNCTIONS:
        used |= openapi_media_types(load_app(function.app_module))
    used |= media_types_in_code()
    binary = {media_type for media_type in used if not travels_as_text(media_type)}

    # THEN API Gateway passes each binary one through base64 (else its bytes are mangled into U+FFFD) ...
    assert binary
    assert all(STACK.is_binary(media_type) for media_type in binary), sorted(
        media_type for media_type in binary if not STACK.is_binary(media_type)
    )
    # ... and every exact entry is a type the code uses (wildcards such as */* cover whatever comes)
    assert {entry for entry in STACK.binary_media_types if "*" not in entry} <= binary


def test_each_function_declares_its_own_settings_model() -> None:
    # Guards the checks above: every function names a model, and the models differ where the functions do (the
    # catalog functions are one code deployed per caller, with one model)
    models = {function.logical_id: declared_settings(function.app_module) for function in CALLER_FUNCTIONS}
    assert len(set(models.values())) == len(CALLER_FUNCTIONS), models
    for logical_id, model in models.items():
        assert model.__name__ == f"{logical_id.removesuffix('Function')}FunctionSettings", logical_id
    # Every function behind the API reads the CORS allow-list; the scheduled reconciler answers no browser
    for function in API_FUNCTIONS + PREFLIGHT_FUNCTIONS:
        variables = dict(declared_settings(function.app_module).variables())
        assert ("OPENTALKING_CORS_ALLOW_ORIGINS",) in variables, function.logical_id
    for function in CATALOG_FUNCTIONS:
        model = declared_settings(function.app_module)
        assert model.__name__ == "CatalogFunctionSettings", function.logical_id
        assert (CATALOG_OPERATIONS_VARIABLE,) in dict(model.variables()), function.logical_id


def test_the_reconciler_runs_on_the_schedule_parameter_with_least_privilege() -> None:
    # GIVEN the scheduled function
    (function,) = SCHEDULED_FUNCTIONS
    (schedule,) = function.schedules
    # THEN it runs on the ReconcileSchedule parameter, hourly unless changed ...
    assert schedule["Schedule"] == {"Ref": "ReconcileSchedule"}
    assert STACK.parameter_defaults["ReconcileSchedule"] == "rate(1 hour)"
    # ... outside the VPC (it asks the provider over the internet), and may invoke its own catalog function and read
    # the provider secret: nothing else (its metrics are EMF log lines, no CloudWatch API call)
    assert not function.in_vpc and not function.mount_paths
    # (and delete the recorded consent statement of an intent it drops)
    assert function.allowed_actions == {"lambda:InvokeFunction", "secretsmanager:GetSecretValue", "s3:DeleteObject"}
    assert function.environment[CATALOG_FUNCTION_VARIABLE] == {"Ref": "CatalogForReconcileFunction"}
    assert not function.routes and not function.preflight_paths
    # Its time budget leaves a margin below the function timeout
    budget = float(function.environment["OPENTALKING_RECONCILE_TIME_BUDGET_SECONDS"])
    assert budget + 30 <= function.properties["Timeout"]
