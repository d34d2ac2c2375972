"""A Python kombu peer for the wire-compatibility tests, driven by the TypeScript tests.

Behaves as the original Commissaire services and clients do on kombu's Redis transport.
Usage (each prints READY once its queues are declared, then one JSON line per result):
  request URL EXCHANGE ROUTING_KEY PARAMS_JSON   call a method, print the decoded response
  serve URL EXCHANGE QUEUE BINDING_KEY COUNT     answer COUNT requests (method "add" and "echo")
  listen URL EXCHANGE BINDING_KEY COUNT          print the bodies of COUNT messages
  publish URL EXCHANGE ROUTING_KEY BODY_JSON     publish one application/json message
  bind URL EXCHANGE QUEUE BINDING_KEY            declare and bind a queue, nothing else
"""
import json
import sys
import uuid

from kombu import Connection, Consumer, Exchange, Producer, Queue


def out(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def request(url, exchange_name, routing_key, params):
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        exchange.declare()
        id = str(uuid.uuid4())
        reply_name = "response-{}".format(id)
        replies = conn.SimpleQueue(reply_name, queue_opts={"auto_delete": True, "durable": False})
        out("READY")
        method = routing_key.rsplit(".", 1)[1]
        Producer(channel, exchange).publish(
            {"jsonrpc": "2.0", "id": id, "method": method, "params": json.loads(params)},
            routing_key, declare=[exchange], reply_to=reply_name)
        message = replies.get(block=True, timeout=10)
        message.ack()
        payload = message.payload
        if isinstance(payload, (str, bytes)):
            payload = json.loads(payload)
        out({"content_type": message.content_type, "response": payload, "sent_id": id})
        replies.close()


def serve(url, exchange_name, queue_name, binding_key, count):
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        exchange.declare()
        queue = Queue(queue_name, exchange=exchange, routing_key=binding_key).bind(channel)
        queue.declare()
        producer = Producer(channel)
        handled = []

        def on_message(body, message):
            if isinstance(body, (str, bytes)):
                body = json.loads(body)
            params = body.get("params", {})
            if body["method"] == "add":
                x, y = (params["x"], params["y"]) if isinstance(params, dict) else params
                response = {"jsonrpc": "2.0", "id": body["id"], "result": x + y}
            elif body["method"] == "echo":
                response = {"jsonrpc": "2.0", "id": body["id"], "result": params}
            else:
                response = {"jsonrpc": "2.0", "id": body["id"],
                            "error": {"code": -32601, "message": "no method", "data": {}}}
            reply_to = message.properties.get("reply_to")
            if reply_to:
                producer.publish(json.dumps(response), exchange="", routing_key=reply_to,
                                 content_type="text/plain", content_encoding="utf-8")
            message.ack()
            handled.append(body["id"])

        with Consumer(channel, [queue], callbacks=[on_message], accept=["json", "text/plain"]):
            out("READY")
            while len(handled) < count:
                conn.drain_events(timeout=15)
        out({"handled": len(handled)})


def listen(url, exchange_name, binding_key, count):
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        exchange.declare()
        queue = Queue("kombu-listen-" + str(uuid.uuid4()), exchange=exchange,
                      routing_key=binding_key, auto_delete=True).bind(channel)
        queue.declare()
        got = []

        def on_message(body, message):
            got.append(1)
            out({"routing_key": message.delivery_info["routing_key"], "body": body,
                 "delivery_mode": message.properties.get("delivery_mode")})
            message.ack()

        with Consumer(channel, [queue], callbacks=[on_message], accept=["json"]):
            out("READY")
            while len(got) < count:
                conn.drain_events(timeout=15)


def publish(url, exchange_name, routing_key, body):
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        out("READY")
        Producer(channel, exchange).publish(json.loads(body), routing_key)
        out({"published": routing_key})


def bind(url, exchange_name, queue_name, binding_key):
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        exchange.declare()
        Queue(queue_name, exchange=exchange, routing_key=binding_key).bind(channel).declare()
        out("READY")


if __name__ == "__main__":
    verb, args = sys.argv[1], sys.argv[2:]
    if verb == "request":
        request(*args)
    elif verb == "serve":
        serve(args[0], args[1], args[2], args[3], int(args[4]))
    elif verb == "listen":
        listen(args[0], args[1], args[2], int(args[3]))
    elif verb == "publish":
        publish(*args)
    elif verb == "bind":
        bind(*args)
    else:
        sys.exit("unknown verb " + verb)
