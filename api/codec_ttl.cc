// Codec: UpdateTimeToLive and DescribeTimeToLive, requests and responses.
//
// UpdateTimeToLive's checks, in DynamoDB's order: the table name (as DescribeTable's), then
// the member constraints in one message (TimeToLiveSpecification, its Enabled and its
// AttributeName, 1 to 255 characters). JSON type errors are SerializationException.
#include <string>
#include <utility>

#include "api/codec.h"
#include "api/codec_internal.h"

namespace ddbx::api {
namespace {

using namespace codec_internal;  // NOLINT(google-build-using-namespace): the codec's own helpers

constexpr size_t kMaxTtlAttributeNameLength = 255;

struct RawUpdateTimeToLive {
  std::optional<std::string_view> table_name;
  bool has_specification = false;
  std::optional<bool> enabled;
  std::optional<std::string_view> attribute_name;
};

Status ReadUpdateTimeToLive(dom::object body, RawUpdateTimeToLive* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    std::string_view s;
    if (field.key == "TableName") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (field.key == "TimeToLiveSpecification") {
      dom::object spec;
      DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(
          field.value, "com.amazonaws.dynamodb.v20120810.TimeToLiveSpecification", &spec));
      r->has_specification = true;
      for (dom::key_value_pair member : spec) {
        if (member.value.is_null()) continue;
        if (member.key == "Enabled") {
          bool enabled = false;
          DDBX_CODEC_RETURN_IF_ERROR(ReadBool(member.value, &enabled));
          r->enabled = enabled;
        } else if (member.key == "AttributeName") {
          DDBX_CODEC_RETURN_IF_ERROR(ReadString(member.value, &s));
          r->attribute_name = s;
        }
      }
    }
  }
  return Status::Ok();
}

Result<UpdateTimeToLiveRequest> CheckUpdateTimeToLive(const RawUpdateTimeToLive& r) {
  if (std::optional<Error> e = CheckRequiredTableName(r.table_name)) return std::move(*e);
  Constraints c;
  c.TableNamePattern(*r.table_name, "tableName");
  if (c.NotNull(r.has_specification, "timeToLiveSpecification")) {
    if (c.NotNull(r.attribute_name.has_value(), "timeToLiveSpecification.attributeName")) {
      c.Length(*r.attribute_name, "timeToLiveSpecification.attributeName", 1,
               kMaxTtlAttributeNameLength);
    }
    c.NotNull(r.enabled.has_value(), "timeToLiveSpecification.enabled");
  }
  if (std::optional<Error> e = c.Result()) return std::move(*e);
  UpdateTimeToLiveRequest request;
  request.table_name = std::string(*r.table_name);
  request.specification.attribute_name = std::string(*r.attribute_name);
  request.specification.enabled = *r.enabled;
  return request;
}

void WriteSpecification(JsonWriter* w, const TimeToLiveSpecification& spec) {
  w->BeginObject();
  w->Key("AttributeName");
  w->String(spec.attribute_name);
  w->Key("Enabled");
  w->Bool(spec.enabled);
  w->EndObject();
}

std::string_view StatusName(TimeToLiveStatus status) {
  switch (status) {
    case TimeToLiveStatus::kEnabling:
      return "ENABLING";
    case TimeToLiveStatus::kDisabling:
      return "DISABLING";
    case TimeToLiveStatus::kEnabled:
      return "ENABLED";
    case TimeToLiveStatus::kDisabled:
      return "DISABLED";
  }
  return "DISABLED";
}

}  // namespace

Result<UpdateTimeToLiveRequest> DecodeUpdateTimeToLive(std::string_view body) {
  return DecodeBody<UpdateTimeToLiveRequest, RawUpdateTimeToLive>(body, ReadUpdateTimeToLive,
                                                                  CheckUpdateTimeToLive);
}

Result<DescribeTimeToLiveRequest> DecodeDescribeTimeToLive(std::string_view body) {
  // The same single member, with the same checks, as DescribeTable.
  Result<DescribeTableRequest> table = DecodeDescribeTable(body);
  if (!table.ok()) return table.take_error();
  return DescribeTimeToLiveRequest{std::move(table.value().table_name)};
}

std::string EncodeUpdateTimeToLiveResponse(const UpdateTimeToLiveResponse& response) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("TimeToLiveSpecification");
  WriteSpecification(&w, response.specification);
  w.EndObject();
  return out;
}

std::string EncodeDescribeTimeToLiveResponse(const DescribeTimeToLiveResponse& response) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("TimeToLiveDescription");
  w.BeginObject();
  if (response.attribute_name.has_value()) {
    w.Key("AttributeName");
    w.String(*response.attribute_name);
  }
  w.Key("TimeToLiveStatus");
  w.String(StatusName(response.status));
  w.EndObject();
  w.EndObject();
  return out;
}

}  // namespace ddbx::api
