"""The benchmark's meter reads the shape of each wire command the same way the index
check expects it (the pymongo side runs only against a real server)."""
from bench.meter import command_shape, pipeline_shape
from bson import SON


def test_find_command_gives_filter_and_sort_in_order():
    command = SON([("find", "post"), ("filter", {"tags": "x"}), ("sort", SON([("created_at", -1), ("_id", -1)])),
                   ("limit", 11)])
    assert command_shape("find", command) == ("post", {"tags": "x"}, [("created_at", -1), ("_id", -1)])


def test_update_and_delete_commands_give_their_first_filter():
    assert command_shape("update", {"update": "post", "updates": [{"q": {"_id": 1}, "u": {}}]}) == ("post", {"_id": 1}, None)
    assert command_shape("delete", {"delete": "post", "deletes": [{"q": {"_id": 2}}]}) == ("post", {"_id": 2}, None)


def test_inserts_and_index_commands_have_no_read_shape():
    assert command_shape("insert", {"insert": "post", "documents": [{}]}) == ("post", None, None)
    assert command_shape("createIndexes", {"createIndexes": "post", "indexes": []}) == ("post", None, None)


def test_aggregation_shape_is_its_leading_match_and_sort():
    pipeline = [{"$match": {"tags": "x"}}, {"$sort": {"created_at": -1}}, {"$limit": 5}, {"$match": {"n": 1}}]
    assert pipeline_shape(pipeline) == ({"tags": "x"}, [("created_at", -1)])
    assert pipeline_shape([{"$unwind": "$tags"}, {"$match": {"tags": "x"}}]) == ({}, None)
