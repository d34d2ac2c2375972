"""A stand-in for the original (Python) Commissaire storage service, on kombu's Redis transport.

It answers `storage.*` as commissaire-service's StorageService does, in memory:
- params by name or by position, and only the original's: save / get / delete take
  (model_type_name, model_json_data), list takes (model_type_name), list_store_handlers none;
  any other param is a Python TypeError, answered -32600 "... unexpected keyword argument ...";
- `list` takes only a list model's name (Hosts, Clusters, Networks, ContainerManagerConfigs):
  an item model's name (Host) fails building that model with no key, answered -32600
  "... missing 1 or more required keyword arguments ...";
- models are built as the original's Model.new: defaults filled, members it does not know
  dropped, a missing member is a TypeError; records come back without revisions;
- a missing record is -20000 (StorageLookupError), any other failure -32600 with
  data.exception; the answer is the JSON text, text/plain, on the reply queue;
- writes publish notify.storage.<Model>.<created|updated|deleted> with the safe form (not for
  HostCreds), delivery mode 1.

Usage: python_storage.py URL EXCHANGE. Prints READY, then one JSON line per call:
{"method", "params", "error_code", "error"} (null when it answered a result). Runs until killed.
"""
import json
import signal
import sys

from kombu import Connection, Consumer, Exchange, Producer, Queue

OPERATION = {"status": "", "in_process": [], "started_at": "", "finished_at": ""}

# name: (primary key, {member: default}, hidden members, secret)
MODELS = {
    "Host": ("address", {"status": "", "os": "", "cpus": 0, "memory": 0, "space": 0,
                         "last_check": "", "source": ""}, (), False),
    "HostCreds": ("address", {"ssh_priv_key": "", "remote_user": "root"}, ("ssh_priv_key",), True),
    "Cluster": ("name", {"status": "", "network": "default", "hostset": [],
                         "container_manager": ""}, ("hostset",), False),
    "ClusterUpgrade": ("name", dict(OPERATION, upgraded=[]), (), False),
    "ClusterRestart": ("name", dict(OPERATION, restarted=[]), (), False),
    "ClusterDeploy": ("name", dict(OPERATION, version="", deployed=[]), (), False),
    "Network": ("name", {"type": "flannel_etcd", "options": {}}, (), False),
    "ContainerManagerConfig": ("name", {"type": "openshift", "options": {}}, (), False),
}
LISTS = {"Hosts": "Host", "Clusters": "Cluster", "Networks": "Network",
         "ContainerManagerConfigs": "ContainerManagerConfig"}
ENUMS = {("Network", "type"): ("flannel_etcd", "flannel_server"),
         ("ContainerManagerConfig", "type"): ("openshift", "trivial")}


class StorageLookupError(Exception):
    pass


def new(type_name, data):
    """The original's Model.new: defaults, then every member required, unknown ones dropped."""
    pk, defaults, _, _ = MODELS[type_name]
    args = json.loads(json.dumps(defaults))
    args.update(data)
    members = [pk] + list(defaults)
    if any(m not in args for m in members):
        raise TypeError("{}.__init__() missing 1 or more required keyword arguments: {}".format(
            type_name, ", ".join(members)))
    model = {m: args[m] for m in members}
    for m in members:
        default = defaults.get(m, "")
        if type(model[m]) is not type(default):
            raise ValueError("{}.{} must be a {}".format(
                type_name, m, type(default).__name__))
    allowed = ENUMS.get((type_name, "type"))
    if allowed and model["type"] not in allowed:
        raise ValueError("{}.type must be one of {}".format(type_name, allowed))
    return model


def safe(type_name, model):
    hidden = MODELS[type_name][2]
    return {k: v for k, v in model.items() if k not in hidden}


class Storage:
    def __init__(self, producer):
        self.producer = producer
        self.records = {name: {} for name in MODELS}

    def notify(self, event, type_name, model):
        if MODELS[type_name][3]:
            return
        body = {"event": event, "class": type_name, "model": safe(type_name, model)}
        self.producer.publish(body, "notify.storage.{}.{}".format(type_name, event),
                              delivery_mode=1)

    def items(self, type_name, data):
        if type_name not in MODELS:
            raise KeyError(type_name)
        many = isinstance(data, list)
        raw = data if many else [data]
        parsed = [json.loads(x) if isinstance(x, str) else x for x in raw]
        return [new(type_name, x) for x in parsed], many

    def key(self, type_name, model):
        return model[MODELS[type_name][0]]

    def lookup(self, type_name, model):
        stored = self.records[type_name].get(self.key(type_name, model))
        if stored is None:
            raise StorageLookupError(type_name, model)
        return stored

    def on_save(self, model_type_name, model_json_data):
        models, many = self.items(model_type_name, model_json_data)
        saved = []
        for model in models:
            created = self.key(model_type_name, model) not in self.records[model_type_name]
            self.records[model_type_name][self.key(model_type_name, model)] = model
            self.notify("created" if created else "updated", model_type_name, model)
            saved.append(dict(model))
        return saved if many else saved[0]

    def on_get(self, model_type_name, model_json_data):
        models, many = self.items(model_type_name, model_json_data)
        found = [dict(self.lookup(model_type_name, m)) for m in models]
        return found if many else found[0]

    def on_delete(self, model_type_name, model_json_data):
        models, _ = self.items(model_type_name, model_json_data)
        for model in models:
            stored = self.lookup(model_type_name, model)
            del self.records[model_type_name][self.key(model_type_name, model)]
            self.notify("deleted", model_type_name, stored)

    def on_list(self, model_type_name):
        if model_type_name not in LISTS:
            # The original builds the model with no arguments: only a list model has none.
            new(model_type_name, {})
        return [dict(m) for m in self.records[LISTS[model_type_name]].values()]

    def on_list_store_handlers(self):
        return [{"handler_type": "MemoryStoreHandler", "config": {"name": "memory"},
                 "model_types": sorted(MODELS)}]


def answer(storage, body, routing_key):
    """The response the original's on_message builds, and the code it carries (None: result)."""
    response = {"jsonrpc": "2.0", "id": -1}
    try:
        if isinstance(body, (str, bytes)):
            body = json.loads(body)
        if body.get("method") != routing_key.rsplit(".", 1)[1]:
            return None, None
        response["id"] = body.get("id", -1)
        method = getattr(storage, "on_" + body["method"])
        params = body.setdefault("params", {})
        response["result"] = method(**params) if isinstance(params, dict) else method(*params)
        return response, None
    except StorageLookupError as error:
        type_name, model = error.args
        response["error"] = {
            "code": -20000, "message": "Key not found: {}".format(json.dumps(model)),
            "data": {"model_json_data": [safe(type_name, model)], "model_type_name": type_name}}
    except AttributeError as error:
        response["error"] = {"code": -32601, "message": str(error),
                             "data": {"exception": str(type(error))}}
    except Exception as error:
        response["error"] = {"code": -32600, "message": str(error),
                             "data": {"exception": str(type(error))}}
    return response, response["error"]["code"]


def main(url, exchange_name):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with Connection(url) as conn:
        channel = conn.channel()
        exchange = Exchange(exchange_name, type="topic").bind(channel)
        exchange.declare()
        queue = Queue("storage", exchange=exchange, routing_key="storage.*").bind(channel)
        queue.declare()
        storage = Storage(Producer(channel, exchange))
        replies = Producer(channel)

        def on_message(body, message):
            routing_key = message.delivery_info["routing_key"]
            response, code = answer(storage, body, routing_key)
            reply_to = message.properties.get("reply_to")
            if response is not None and reply_to:
                # The original puts json.dumps(response) on a SimpleQueue: a text/plain body.
                replies.publish(json.dumps(response), exchange="", routing_key=reply_to,
                                content_type="text/plain", content_encoding="utf-8")
            message.ack()
            if isinstance(body, (str, bytes)):
                body = json.loads(body)
            sys.stdout.write(json.dumps({"method": body.get("method"),
                                         "params": body.get("params"),
                                         "error_code": code,
                                         "error": response and response.get("error")}) + "\n")
            sys.stdout.flush()

        with Consumer(channel, [queue], callbacks=[on_message], accept=["json", "text/plain"]):
            sys.stdout.write(json.dumps("READY") + "\n")
            sys.stdout.flush()
            while True:
                try:
                    conn.drain_events(timeout=1)
                except OSError:
                    pass


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
