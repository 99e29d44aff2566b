"""List, get, delete, clone and the reconciler as deployed: outside the VPC, reaching the catalog only by invoke.

The real boto3 Lambda client sends each call to a loopback stand-in of the Invoke API, which runs the catalog
functions the template declares (one per caller, each with its caller's operations) over one SQLite file, the way
the deployed catalog functions share one file on EFS.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from functions.catalog import app as catalog_app
from functions.clone_voice import app as clone_app
from functions.clone_voice.app import lambda_handler as clone_handler
from functions.delete_voice import app as delete_app
from functions.delete_voice.app import lambda_handler as delete_handler
from functions.get_voice import app as get_app
from functions.get_voice.app import lambda_handler as get_handler
from functions.list_voices import app as list_app
from functions.list_voices.app import lambda_handler as list_handler
from functions.openai_speech import app as openai_app
from functions.openai_speech.app import lambda_handler as openai_handler
from functions.preview.app import lambda_handler as preview_handler
from functions.reconcile_voices import app as reconcile_app
from tests.template.stack import Stack, load_template
from testsupport.apigw import FakeLambdaContext, json_body, load_event
from testsupport.fakes.dashscope_enrollment_fake import FakeDashScopeEnrollment
from testsupport.fakes.lambda_endpoint import LambdaEndpoint
from testsupport.fakes.tts_loopback import closed_port
from testsupport.wiring import FunctionWiring
from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog
from voice_service.catalog_boundary.client import CatalogClient, RemoteVoiceCatalog
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.models import NewEntry, NewVoice, Owner
from voice_service.settings import CatalogFunctionSettings, ReconcileVoicesFunctionSettings, SettingsError

STACK = Stack(load_template())
NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def declared_catalog_functions() -> dict[str, frozenset[str]]:
    """Catalog function → the operations the template gives it."""
    return {
        name: frozenset(str(function.environment["OPENTALKING_CATALOG_OPERATIONS"]).split(","))
        for name, function in STACK.functions.items()
        if "OPENTALKING_CATALOG_OPERATIONS" in function.environment
    }


def catalog_function_of(caller: str) -> str:
    return str(STACK.functions[caller].environment["OPENTALKING_CATALOG_FUNCTION"]["Ref"])


@pytest.fixture
def lambda_endpoint(
    monkeypatch: pytest.MonkeyPatch, wiring: FunctionWiring, tmp_path: Path
) -> Iterator[LambdaEndpoint]:
    """The stack's catalog functions on a loopback Invoke API, each its own 'container' (own SQLite connection)."""
    sqlite_path = tmp_path / "efs" / "voices.sqlite3"
    opened: list[SqliteVoiceCatalog] = []

    def catalog_function(operations: frozenset[str]) -> Any:
        catalog = SqliteVoiceCatalog(sqlite_path, busy_timeout_seconds=2)
        opened.append(catalog)
        return as_lambda_handler(CatalogServer(catalog, operations))

    functions = {name: catalog_function(ops) for name, ops in declared_catalog_functions().items()}
    with LambdaEndpoint(functions) as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", endpoint.url)
        # The callers' own SQLite setting points elsewhere: any row they see came through the endpoint.
        wiring.set(OPENTALKING_SQLITE_PATH=str(tmp_path / "not-the-catalog" / "voices.sqlite3"))
        yield endpoint
    for catalog in opened:
        catalog.close()


def as_lambda_handler(server: CatalogServer) -> Any:
    """What functions/catalog/app.py's lambda_handler does, for a server built here."""
    return lambda event, context: server.handle(event)


def as_caller(wiring: FunctionWiring, caller: str, catalog_function: str | None = None) -> None:
    """Every function configured as the template configures `caller` (a fresh 'container' each time)."""
    wiring.set(OPENTALKING_CATALOG_FUNCTION=catalog_function or catalog_function_of(caller))


def delete_event(entry_id: int) -> dict[str, Any]:
    event = load_event("delete_voice_first")
    event["path"] = f"/voices/{entry_id}"
    event["pathParameters"] = {"entry_id": str(entry_id)}
    return event


def clone_as_deployed(wiring: FunctionWiring, event_name: str, context: FakeLambdaContext) -> dict[str, Any]:
    """A successful clone by the clone function configured as the template configures it (a fresh container)."""
    as_caller(wiring, "CloneVoiceFunction")
    cloned: dict[str, Any] = clone_handler(load_event(event_name), context)
    assert cloned["statusCode"] == 200, cloned["body"]
    return cloned


def get_event(entry_id: int) -> dict[str, Any]:
    event = load_event("get_voice_first")
    event["path"] = f"/voices/{entry_id}"
    event["pathParameters"] = {"entry_id": str(entry_id)}
    return event


def test_template_gives_each_caller_its_own_catalog_function_with_its_declared_operations() -> None:
    assert declared_catalog_functions() == {
        "CatalogForListFunction": frozenset({"list_entries"}),
        "CatalogForGetFunction": frozenset({"get_entry", "set_status"}),
        "CatalogForDeleteFunction": frozenset({"get_entry", "delete_entry"}),
        "CatalogForCloneFunction": frozenset(
            {
                "record_intent",
                "add_entry",
                "drop_intent",
                "get_idempotency_record",
                "claim_idempotency_record",
                "save_idempotency_record",
                "delete_idempotency_record",
                "count_entries",
                "take_request_slot",
            }
        ),
        "CatalogForPreviewFunction": frozenset({"voice_owners", "take_request_slot"}),
        "CatalogForReconcileFunction": frozenset(
            {
                "list_entries",
                "list_intents",
                "set_status",
                "add_entry",
                "drop_intent",
                "purge_idempotency_records",
                "assign_unowned",
            }
        ),
        "CatalogForOpenAiSpeechFunction": frozenset({"list_entries"}),
    }


def test_clone_list_get_and_delete_go_through_their_catalog_functions(
    lambda_endpoint: LambdaEndpoint,
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    lambda_context: FakeLambdaContext,
    tmp_path: Path,
) -> None:
    # GIVEN the clone function configured as deployed, WHEN it clones a voice
    cloned = clone_as_deployed(wiring, "clone_dashscope_webm", lambda_context)
    entry_id = json_body(cloned)["entry_id"]
    voice_id = json_body(cloned)["voice_id"]
    # THEN its intent and the entry completing it were written by its catalog function, not in its own SQLite file
    assert lambda_endpoint.invocations == ["CatalogForCloneFunction", "CatalogForCloneFunction"]
    assert SqliteVoiceCatalog(tmp_path / "not-the-catalog" / "voices.sqlite3").list_entries() == []
    assert SqliteVoiceCatalog(tmp_path / "efs" / "voices.sqlite3").list_intents() == []

    # AND the list function sees it through its own catalog function, the get function through its own
    as_caller(wiring, "ListVoicesFunction")
    listed = json_body(list_handler(load_event("list_voices_all"), lambda_context))["items"]
    assert [(item["id"], item["status"]) for item in listed] == [(entry_id, "ready")]
    as_caller(wiring, "GetVoiceFunction")
    single = get_handler(get_event(entry_id), lambda_context)
    assert single["statusCode"] == 200, single["body"]
    assert (json_body(single)["id"], json_body(single)["voice_id"]) == (entry_id, voice_id)

    # AND the delete function frees DashScope's slot, then removes the entry through its own catalog function; a
    # second delete is a 404 that crossed the boundary
    as_caller(wiring, "DeleteVoiceFunction")
    deleted = delete_handler(delete_event(entry_id), lambda_context)
    assert json_body(deleted) == {"deleted": True, "provider_voice": "deleted"}
    assert voice_id in fake.deleted_voices and voice_id not in fake.voices
    again = delete_handler(delete_event(entry_id), lambda_context)
    assert again["statusCode"] == 404
    assert json_body(again) == {"detail": f"No cloned voice has id {entry_id}."}
    # (a delete reads the entry first; the second finds nothing and stops there)
    assert lambda_endpoint.invocations[2:] == [
        "CatalogForListFunction",
        "CatalogForGetFunction",
        "CatalogForDeleteFunction",
        "CatalogForDeleteFunction",
        "CatalogForDeleteFunction",
    ]


def signed_in(event: dict[str, Any], user: str) -> dict[str, Any]:
    """`event` as API Gateway passes it on once the authorizer has accepted `user`'s token."""
    event["requestContext"]["authorizer"] = {"userId": user, "groups": ""}
    return event


def test_signed_in_users_stay_in_their_own_catalog_across_the_boundary(
    lambda_endpoint: LambdaEndpoint,
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN the users mode, as deployed (issuer and audience are checked at cold start; the authorizer verified)
    wiring.set(
        OPENTALKING_AUTH_MODE="users",
        OPENTALKING_AUTH_ISSUER="https://issuer.example",
        OPENTALKING_AUTH_AUDIENCE="voices",
        OPENTALKING_CLONE_CONSENT="optional",
        OPENTALKING_QUOTA_PREVIEWS_PER_MINUTE="0",
    )
    # WHEN alice clones through the clone function's catalog function (her voice count and clone rate included)
    as_caller(wiring, "CloneVoiceFunction")
    cloned = clone_handler(signed_in(load_event("clone_dashscope_webm"), "alice"), lambda_context)
    assert cloned["statusCode"] == 200, cloned["body"]
    entry_id, voice_id = json_body(cloned)["entry_id"], json_body(cloned)["voice_id"]
    # (her voice count and clone rate, the intent, the entry that completes it)
    assert lambda_endpoint.invocations == ["CatalogForCloneFunction"] * 4

    # THEN the entry is hers: bob lists nothing, cannot read, delete it (404) nor preview with it (404)
    as_caller(wiring, "GetVoiceFunction")
    assert get_handler(signed_in(get_event(entry_id), "bob"), lambda_context)["statusCode"] == 404
    mine = get_handler(signed_in(get_event(entry_id), "alice"), lambda_context)
    assert (mine["statusCode"], json_body(mine)["user_id"]) == (200, "alice")
    assert lambda_endpoint.invocations[-1] == "CatalogForGetFunction"
    as_caller(wiring, "ListVoicesFunction")
    assert json_body(list_handler(signed_in(load_event("list_voices_all"), "bob"), lambda_context))["items"] == []
    (item,) = json_body(list_handler(signed_in(load_event("list_voices_all"), "alice"), lambda_context))["items"]
    assert (item["id"], item["user_id"]) == (entry_id, "alice")
    as_caller(wiring, "PreviewFunction")
    preview = load_event("preview_espeak")
    preview["body"] = f'{{"text": "Hello", "provider": "dashscope", "voice": "{voice_id}"}}'
    preview["isBase64Encoded"] = False
    refused = preview_handler(signed_in(preview, "bob"), lambda_context)
    assert refused["statusCode"] == 404, refused["body"]
    assert lambda_endpoint.invocations[-1] == "CatalogForPreviewFunction"
    as_caller(wiring, "DeleteVoiceFunction")
    assert delete_handler(signed_in(delete_event(entry_id), "bob"), lambda_context)["statusCode"] == 404
    assert delete_handler(signed_in(delete_event(entry_id), "alice"), lambda_context)["statusCode"] == 200


def test_an_idempotency_key_holds_across_clone_containers_through_the_catalog_function(
    lambda_endpoint: LambdaEndpoint,
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    bucket: str,
    lambda_context: FakeLambdaContext,
    tmp_path: Path,
) -> None:
    # GIVEN the clone function configured as deployed, and a clone with an Idempotency-Key
    first = clone_as_deployed(wiring, "clone_dashscope_idempotent", lambda_context)
    enrollments = len(fake.created_voices)
    # WHEN the same request arrives in a fresh container (as_caller rebuilds every function)
    repeat = clone_as_deployed(wiring, "clone_dashscope_idempotent", lambda_context)
    # THEN it gets the first answer from the record its catalog function keeps, and DashScope saw one clone
    assert (repeat["statusCode"], json_body(repeat)) == (200, json_body(first))
    assert len(fake.created_voices) == enrollments
    assert set(lambda_endpoint.invocations) == {"CatalogForCloneFunction"}
    assert len(SqliteVoiceCatalog(tmp_path / "efs" / "voices.sqlite3").list_entries()) == 1


def test_the_reconciler_goes_through_its_catalog_function(
    lambda_endpoint: LambdaEndpoint,
    wiring: FunctionWiring,
    fake: FakeDashScopeEnrollment,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # GIVEN a ready entry whose voice DashScope no longer has
    catalog = SqliteVoiceCatalog(tmp_path / "efs" / "voices.sqlite3")
    entry = catalog.add_entry(
        NewEntry(NewVoice("dashscope", "qwen-tts-vc-vanished-voice-1", "Gone", "qwen3-tts-vc"), NOW)
    )
    # WHEN the scheduled function runs, configured as deployed
    as_caller(wiring, "ReconcileVoicesFunction")
    settings = ReconcileVoicesFunctionSettings.from_environment(wiring.values)
    monkeypatch.setattr(reconcile_app, "SETTINGS", settings)
    summary = reconcile_app.lambda_handler(load_event("reconcile_voices_schedule"), lambda_context)
    # THEN it marked the entry gone through its own catalog function, and only through that one
    assert summary["errors"] == [] and summary["marked_gone"] == 1
    assert catalog.get_entry(entry.id).status == "gone"  # type: ignore[union-attr]
    assert set(lambda_endpoint.invocations) == {"CatalogForReconcileFunction"}
    catalog.close()


def test_an_administrator_assigns_unowned_voices_through_the_reconcilers_catalog_function(
    lambda_endpoint: LambdaEndpoint,
    wiring: FunctionWiring,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # GIVEN two voices cloned before sign-in and one of the user's own with the same label
    catalog = SqliteVoiceCatalog(tmp_path / "efs" / "voices.sqlite3")
    old = [
        catalog.add_entry(NewEntry(NewVoice("dashscope", f"qwen-tts-vc-old-{n}", "Old", f"m{n}"), NOW)).id
        for n in (1, 2)
    ]
    catalog.add_entry(
        NewEntry(NewVoice("dashscope", "qwen-tts-vc-mine", "Old", "m1"), NOW, owner=Owner("alice-sub-0001"))
    )
    as_caller(wiring, "ReconcileVoicesFunction")
    monkeypatch.setattr(reconcile_app, "SETTINGS", ReconcileVoicesFunctionSettings.from_environment(wiring.values))
    # WHEN a malformed request is invoked, nothing is assigned and nothing is called
    with pytest.raises(ValidationError):
        reconcile_app.lambda_handler({"assign_unowned": {"user_id": " ", "entry_ids": [0]}}, lambda_context)
    assert lambda_endpoint.invocations == []
    # AND the administrator's request (the function invoked directly, never through the API) hands them over
    result = reconcile_app.lambda_handler(load_event("reconcile_assign_unowned"), lambda_context)
    # THEN both are the user's, the clashing label renamed, through the reconciler's catalog function only
    assert result == {"assigned": old}
    mine = catalog.list_entries(owner=Owner("alice-sub-0001"))
    assert len(mine) == 3 and catalog.list_entries(owner=Owner("bob")) == []
    assert sorted(entry.display_label[:4] for entry in mine) == ["Old", "Old", "Old-"]
    assert set(lambda_endpoint.invocations) == {"CatalogForReconcileFunction"}
    catalog.close()


def openai_event(name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    event = load_event(name)
    if body is not None:
        event["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    return event


def test_the_openai_function_reads_clones_through_its_own_catalog_function(
    lambda_endpoint: LambdaEndpoint, wiring: FunctionWiring, lambda_context: FakeLambdaContext, tmp_path: Path
) -> None:
    # GIVEN a clone in the catalog file the catalog functions share
    voice_id = "qwen-tts-vc-mine-0123456789"
    efs_catalog = SqliteVoiceCatalog(tmp_path / "efs" / "voices.sqlite3")
    efs_catalog.add_entry(NewEntry(NewVoice("dashscope", voice_id, "Mine", "qwen3-tts-vc-realtime-2025-11-27"), NOW))
    efs_catalog.close()

    # WHEN the OpenAI function, configured as deployed, lists voices (Edge's voice list refused on loopback: its
    # fallback names are listed, and nothing leaves the machine)
    as_caller(wiring, "OpenAiSpeechFunction")
    wiring.set(OPENTALKING_EDGE_VOICE_LIST_URL=f"http://127.0.0.1:{closed_port()}/voices/list")
    listed = openai_handler(openai_event("openai_voices"), lambda_context)
    # THEN the clone is there, read through its own catalog function (its own SQLite setting points elsewhere)
    clones = [voice for voice in json_body(listed)["voices"] if voice["source"] == "clone"]
    assert [voice["id"] for voice in clones] == [voice_id]
    assert lambda_endpoint.invocations == ["CatalogForOpenAiSpeechFunction"]

    # AND a speech request finds the clone there too: with a model it was not cloned for, a 400 naming it
    wrong = openai_handler(
        openai_event("openai_speech_unknown_voice", {"model": "edge", "input": "Hello.", "voice": voice_id}),
        lambda_context,
    )
    assert wrong["statusCode"] == 400, wrong["body"]
    assert json_body(wrong)["error"]["param"] == "model"
    assert voice_id in json_body(wrong)["error"]["message"]
    assert lambda_endpoint.invocations == ["CatalogForOpenAiSpeechFunction"] * 2


def test_a_caller_pointed_at_another_callers_catalog_function_is_refused(
    lambda_endpoint: LambdaEndpoint, wiring: FunctionWiring, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the delete function misconfigured to use the list function's catalog function (IAM would also deny it)
    as_caller(wiring, "DeleteVoiceFunction", "CatalogForListFunction")
    response = delete_handler(delete_event(1), lambda_context)
    # THEN the catalog function refuses the operation: a 500 that says so, and nothing was deleted
    assert response["statusCode"] == 500
    assert json_body(response) == {"detail": "The voice catalog does not serve this operation to this caller."}


def test_a_throttled_catalog_function_is_a_503(
    lambda_endpoint: LambdaEndpoint, wiring: FunctionWiring, lambda_context: FakeLambdaContext
) -> None:
    as_caller(wiring, "ListVoicesFunction")
    lambda_endpoint.throttled.add("CatalogForListFunction")
    response = list_handler(load_event("list_voices_all"), lambda_context)
    assert response["statusCode"] == 503
    assert json_body(response) == {"detail": "The voice catalog is busy; retry in a moment."}


def test_a_crashed_or_missing_catalog_function_is_a_500_without_its_details(
    lambda_endpoint: LambdaEndpoint, wiring: FunctionWiring, lambda_context: FakeLambdaContext
) -> None:
    def crash(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("Task timed out after 8.00 seconds at /mnt/catalog")

    lambda_endpoint.functions["CatalogForListFunction"] = crash
    as_caller(wiring, "ListVoicesFunction")
    crashed = list_handler(load_event("list_voices_all"), lambda_context)
    assert (crashed["statusCode"], json_body(crashed)) == (500, {"detail": "The voice catalog failed unexpectedly."})

    as_caller(wiring, "ListVoicesFunction", "NoSuchFunction")
    missing = list_handler(load_event("list_voices_all"), lambda_context)
    assert missing["statusCode"] == 500
    assert json_body(missing) == {"detail": "The voice catalog could not be reached (ResourceNotFoundException)."}


def test_a_busy_sqlite_lock_in_the_catalog_function_is_a_503_for_the_caller(
    lambda_endpoint: LambdaEndpoint, wiring: FunctionWiring, lambda_context: FakeLambdaContext, tmp_path: Path
) -> None:
    # GIVEN another writer holding the catalog's write lock longer than the catalog function's busy timeout
    holder = SqliteVoiceCatalog(tmp_path / "efs" / "voices.sqlite3")
    holder.list_intents()  # creates the file (a listing of entries would not: no file is no voices)
    import sqlite3

    lock = sqlite3.connect(tmp_path / "efs" / "voices.sqlite3", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        as_caller(wiring, "DeleteVoiceFunction")
        response = delete_handler(delete_event(1), lambda_context)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
        holder.close()
    # THEN the caller answers 503 with the catalog's own sentence
    assert response["statusCode"] == 503
    assert json_body(response) == {"detail": "The voice catalog is busy with other writers; retry in a moment."}


def test_concurrent_clones_through_separate_catalog_functions_never_share_a_label(
    lambda_endpoint: LambdaEndpoint, tmp_path: Path
) -> None:
    # GIVEN two more 'containers' of the clone's catalog function on the same file, each behind its own name
    from voice_service.adapters.lambda_invoker import LambdaInvoker

    sqlite_path = tmp_path / "efs" / "voices.sqlite3"
    for name in ("CloneCatalogA", "CloneCatalogB"):
        server = CatalogServer(SqliteVoiceCatalog(sqlite_path), frozenset({"add_entry"}))
        lambda_endpoint.functions[name] = as_lambda_handler(server)
    clients = [
        RemoteVoiceCatalog(CatalogClient(LambdaInvoker(name, timeout_seconds=10), frozenset({"add_entry"})))
        for name in ("CloneCatalogA", "CloneCatalogB")
    ]
    labels: list[str] = []
    errors: list[BaseException] = []

    def clone(index: int) -> None:
        try:
            voice = NewVoice("dashscope", f"voice-{index}", "Same Label", "qwen3-tts-vc")
            labels.append(clients[index % 2].add_entry(NewEntry(voice, NOW)).display_label)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    # WHEN eight clones with the same label arrive at once
    threads = [threading.Thread(target=clone, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN each got its own label: the label check and the insert stay one transaction across containers
    assert errors == []
    assert len(set(labels)) == 8 and "Same Label" in labels
    assert len(SqliteVoiceCatalog(sqlite_path).list_entries()) == 8


def test_the_catalog_functions_entry_point_serves_what_its_settings_name(
    lambda_context: FakeLambdaContext, tmp_path: Path
) -> None:
    # GIVEN the catalog function's own entry point, with the settings the template gives CatalogForListFunction
    settings = CatalogFunctionSettings.from_environment(
        {"OPENTALKING_CATALOG_OPERATIONS": "list_entries", "OPENTALKING_SQLITE_PATH": str(tmp_path / "v.sqlite3")}
    )
    original = catalog_app.catalog_server
    catalog_app.catalog_server = original.rebuilt(settings)
    try:
        listed = catalog_app.lambda_handler(
            {"operation": "list_entries", "request": {"owner": {"user_id": None}}}, lambda_context
        )
        refused = catalog_app.lambda_handler(
            {"operation": "delete_entry", "request": {"owner": {"user_id": None}, "entry_id": 1}}, lambda_context
        )
    finally:
        built = catalog_app.catalog_server.built()
        catalog_app.catalog_server = original
        if built is not None:
            built.close()
    assert listed == {"ok": True, "response": {"entries": []}}
    assert refused["ok"] is False and refused["error"]["code"] == "refused"


def test_an_unknown_operation_in_the_settings_stops_the_cold_start() -> None:
    with pytest.raises(SettingsError, match="OPENTALKING_CATALOG_OPERATIONS.*drop_table"):
        CatalogFunctionSettings.from_environment({"OPENTALKING_CATALOG_OPERATIONS": "list_entries,drop_table"})


def test_each_caller_declares_the_operations_its_catalog_function_serves() -> None:
    declared = {
        "ListVoicesFunction": list_app.CATALOG_OPERATIONS,
        "GetVoiceFunction": get_app.CATALOG_OPERATIONS,
        "DeleteVoiceFunction": delete_app.CATALOG_OPERATIONS,
        "CloneVoiceFunction": clone_app.CATALOG_OPERATIONS,
        "ReconcileVoicesFunction": reconcile_app.CATALOG_OPERATIONS,
        "OpenAiSpeechFunction": openai_app.CATALOG_OPERATIONS,
    }
    served = declared_catalog_functions()
    assert {caller: served[catalog_function_of(caller)] for caller in declared} == declared
