"""Makes the calls the original (Python) commissaire-http REST server makes, the way it makes them.

Its bus (commissaire.bus.BusMixin on kombu's Redis transport) does, per call:
- request: a SimpleQueue "response-<id>" (auto_delete, not durable), the JSON-RPC request
  published as a dict (application/json) on the topic exchange with reply_to, then a wait of up
  to 10 s for the answer, which is decoded from a text or JSON body;
- notify: the JSON-RPC notification (no id) published as a dict;
- the WatcherRecord: `producer.publish(record.to_json(), 'jobs.watcher')`, a str, so text/plain.

Usage: python_rest.py URL EXCHANGE STEPS_JSON, STEPS_JSON a list of
  {"request": ROUTING_KEY, "params": ...} | {"notify": ROUTING_KEY, "params": ...}
  | {"publish_text": ROUTING_KEY, "body": TEXT}
Prints READY, then one JSON line per step: the decoded response of a request (its content type
beside it), or {"sent": ROUTING_KEY}.
"""
import json
import sys
import uuid

from kombu import Connection, Exchange, Producer


def out(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def main(url, exchange_name, steps):
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        exchange.declare()
        producer = Producer(channel, exchange)
        out("READY")
        for step in steps:
            if "request" in step:
                routing_key = step["request"]
                id = str(uuid.uuid4())
                reply_name = "response-{}".format(id)
                replies = conn.SimpleQueue(
                    reply_name, queue_opts={"auto_delete": True, "durable": False})
                producer.publish(
                    {"jsonrpc": "2.0", "id": id, "method": routing_key.split(".")[-1],
                     "params": step.get("params", {})},
                    routing_key, declare=[exchange], reply_to=reply_name)
                message = replies.get(block=True, timeout=10)
                message.ack()
                payload = message.payload
                if isinstance(payload, (str, bytes)):
                    payload = json.loads(payload)
                replies.close()
                out({"content_type": message.content_type, "response": payload,
                     "sent_id": id})
            elif "notify" in step:
                routing_key = step["notify"]
                producer.publish(
                    {"jsonrpc": "2.0", "method": routing_key.split(".")[-1],
                     "params": step.get("params", {})},
                    routing_key, declare=[exchange])
                out({"sent": routing_key})
            else:
                producer.publish(step["body"], step["publish_text"])
                out({"sent": step["publish_text"]})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
