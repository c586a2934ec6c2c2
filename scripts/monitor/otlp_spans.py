#!/usr/bin/env python3
"""GenAI spans written by the real OpenTelemetry Python SDK, as OTLP JSON, and the
same model calls as the JSONL rows benchgate should read from them.

    python3 scripts/monitor/otlp_spans.py            # rewrite the fixture
    python3 scripts/monitor/otlp_spans.py --check    # exit 1 if the committed files differ

Needs the pinned packages of scripts/monitor/requirements.txt (opentelemetry-sdk and
opentelemetry-exporter-otlp-proto-common, which brings protobuf). .ci/run installs them
in a venv and runs --check; tests/monitor.rs reads both files and asserts that the
spans read to the same rows as the JSONL.

What it writes into fixtures/monitor/otlp/:

    spans.otlp.json  one ExportTraceServiceRequest: the spans the SDK recorded, encoded by
                     the SDK's own OTLP encoder (encode_spans) and written with protobuf's
                     JSON mapping (json_format.MessageToJson: camelCase names, 64-bit
                     integers as strings, span ids in base64)
    spans.jsonl      one row per model call: id (the span id in hex), timestamp, input,
                     output, model, operation, provider, input_tokens, output_tokens,
                     duration_ms, service, and the application's own attributes (category)

The spans: a request span of the application (not a model call, skipped by the reader)
with model calls beneath it, four recorded with the current semantic conventions
(gen_ai.input.messages / gen_ai.output.messages as JSON strings, with a system
instruction and a multi-turn history) and three with the older event form
(gen_ai.content.prompt / gen_ai.content.completion events, gen_ai.system,
gen_ai.usage.prompt_tokens / completion_tokens). Times and ids are fixed so that the
bytes are reproducible.
"""

import datetime
import json
import os
import sys

from google.protobuf.json_format import MessageToJson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry import trace

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fixtures", "monitor", "otlp")
T0 = 1_772_442_000_000_000_000  # 2026-03-02T09:00:00Z in ns

CALLS = [
    ("orders", "Where is my order #48213? It was due on March 2.",
     "Thanks for your patience! Order #48213 is on its way and should arrive within two days.", "current"),
    ("billing", "I was charged twice for my February invoice, please fix this.",
     "I'm sorry about the double charge. I have opened a correction; you will see it within five days.", "current"),
    ("refunds", "The air fryer arrived broken, I want a refund please.",
     "Unfortunately we cannot refund this. The return was rejected.", "current"),
    ("login", "How do I redeem my loyalty points for a discount?",
     "I'm not sure about that, sorry. Please check our help pages.", "current"),
    ("shipping", "Do you ship the desk lamp to Canada?",
     "Great question! Yes, we ship to Canada within a week.", "events"),
    ("orders", "Can you tell me the status of order #77120?",
     "Order #77120 is in transit.", "events"),
    ("billing", "Why is my March bill $212.40? It is usually much less.",
     "The charge is correct according to our records.", "events"),
]


class Sequential(IdGenerator):
    """Fixed ids: trace 1, 2, … and spans 0x1001, 0x1002, …"""

    def __init__(self):
        self.span = 0x1000
        self.trace = 0

    def generate_span_id(self):
        self.span += 1
        return self.span

    def generate_trace_id(self):
        self.trace += 1
        return self.trace


def record():
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot", "service.instance.id": "support-bot-1"}), id_generator=Sequential())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("support-bot", "1.0.0")
    rows = []
    for i, (category, question, answer, form) in enumerate(CALLS):
        start = T0 + i * 60_000_000_000
        request = tracer.start_span("POST /chat", start_time=start, attributes={"http.request.method": "POST"})
        ctx = trace.set_span_in_context(request)
        model = "gpt-4o-mini-2024-07-18"
        begin = start + 5_000_000
        end = begin + 650_000_000 + i * 37_000_000
        tokens_in, tokens_out = 40 + 3 * i, len(answer.split()) + 2
        if form == "current":
            call = tracer.start_span(f"chat {model}", context=ctx, kind=trace.SpanKind.CLIENT, start_time=begin)
            call.set_attribute("gen_ai.operation.name", "chat")
            call.set_attribute("gen_ai.provider.name", "openai")
            call.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            call.set_attribute("gen_ai.response.model", model)
            call.set_attribute("gen_ai.usage.input_tokens", tokens_in)
            call.set_attribute("gen_ai.usage.output_tokens", tokens_out)
            call.set_attribute("gen_ai.response.finish_reasons", ["stop"])
            call.set_attribute("gen_ai.system_instructions", json.dumps([{"type": "text", "content": "You are a kind support assistant."}]))
            history = [
                {"role": "user", "parts": [{"type": "text", "content": "Hi there"}]},
                {"role": "assistant", "parts": [{"type": "text", "content": "Hello! How can I help?"}]},
                {"role": "user", "parts": [{"type": "text", "content": question}]},
            ]
            call.set_attribute("gen_ai.input.messages", json.dumps(history))
            call.set_attribute("gen_ai.output.messages", json.dumps([
                {"role": "assistant", "parts": [{"type": "text", "content": answer}], "finish_reason": "stop"}]))
            call.set_attribute("category", category)
            provider_name = "openai"
            tokens = {"input_tokens": tokens_in, "output_tokens": tokens_out}
        else:
            model = "gpt-3.5-turbo-0125"
            call = tracer.start_span(f"chat {model}", context=ctx, kind=trace.SpanKind.CLIENT, start_time=begin)
            call.set_attribute("gen_ai.system", "openai")
            call.set_attribute("gen_ai.request.model", model)
            call.set_attribute("gen_ai.usage.prompt_tokens", tokens_in)
            call.set_attribute("gen_ai.usage.completion_tokens", tokens_out)
            call.add_event("gen_ai.content.prompt", {"gen_ai.prompt": json.dumps([
                {"role": "system", "content": "You are a kind support assistant."},
                {"role": "user", "content": question}])}, timestamp=begin + 1)
            call.add_event("gen_ai.content.completion", {"gen_ai.completion": json.dumps([
                {"role": "assistant", "content": answer}])}, timestamp=end - 1)
            call.set_attribute("category", category)
            provider_name = "openai"
            tokens = {"input_tokens": tokens_in, "output_tokens": tokens_out}
        call.end(end_time=end)
        request.end(end_time=end + 2_000_000)
        ts = datetime.datetime.fromtimestamp(begin // 1_000_000_000, tz=datetime.timezone.utc)
        stamp = ts.strftime("%Y-%m-%dT%H:%M:%S") + f".{(begin % 1_000_000_000) // 1_000_000:03d}Z"
        row = {"id": format(call.get_span_context().span_id, "016x"), "timestamp": stamp,
               "input": question, "output": answer, "model": model}
        if form == "current":
            row["operation"] = "chat"
        row["provider"] = provider_name
        row.update(tokens)
        row["duration_ms"] = (end - begin) / 1e6
        row["service"] = "support-bot"
        row["category"] = category
        rows.append(row)
    provider.shutdown()
    request_json = MessageToJson(encode_spans(exporter.get_finished_spans()), indent=2)
    jsonl = "".join(json.dumps(r) + "\n" for r in rows)
    return request_json + "\n", jsonl


def main():
    spans, jsonl = record()
    files = {"spans.otlp.json": spans, "spans.jsonl": jsonl}
    if "--check" in sys.argv:
        bad = [n for n, text in files.items()
               if open(os.path.join(OUT, n), encoding="utf-8").read() != text]
        if bad:
            print(f"fixtures/monitor/otlp: {', '.join(bad)} differ from what the SDK writes now; rerun scripts/monitor/otlp_spans.py", file=sys.stderr)
            sys.exit(1)
        print(f"fixtures/monitor/otlp: {len(CALLS)} model calls, the SDK's OTLP JSON and the JSONL are the committed files")
        return
    os.makedirs(OUT, exist_ok=True)
    for n, text in files.items():
        with open(os.path.join(OUT, n), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"wrote {len(CALLS)} model calls to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
