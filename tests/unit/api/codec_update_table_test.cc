// UpdateTable's decoder: what it decodes, DynamoDB's checks in order, and the settings ddbx
// refuses after them.
#include <catch2/catch.hpp>
#include <string>

#include "api/codec.h"
#include "tests/unit/api/codec_test_util.h"

namespace ddbx::api {
namespace {

constexpr std::string_view kAtLeastOne =
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
    "ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, "
    "OnDemandThroughput, WarmThroughput or TableClass is required";

std::string Table(std::string_view members) {
  return std::string(R"({"TableName":"abc",)") + std::string(members) + "}";
}

TEST_CASE("DecodeUpdateTable decodes what ddbx can change", "[codec][update-table]") {
  Result<UpdateTableRequest> r = DecodeUpdateTable(
      Table(R"("BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,)"
            R"("WriteCapacityUnits":7},"AttributeDefinitions":[{"AttributeName":"a",)"
            R"("AttributeType":"S"}])"));
  REQUIRE(r.ok());
  CHECK(r.value().table_name == "abc");
  CHECK(r.value().billing_mode == BillingMode::kProvisioned);
  REQUIRE(r.value().provisioned_throughput.has_value());
  CHECK(r.value().provisioned_throughput->read_capacity_units == 5);
  CHECK(r.value().provisioned_throughput->write_capacity_units == 7);
  CHECK_FALSE(r.value().deletion_protection_enabled.has_value());

  Result<UpdateTableRequest> on_demand =
      DecodeUpdateTable(Table(R"("BillingMode":"PAY_PER_REQUEST")"));
  REQUIRE(on_demand.ok());
  CHECK(on_demand.value().billing_mode == BillingMode::kPayPerRequest);
  CHECK_FALSE(on_demand.value().provisioned_throughput.has_value());

  Result<UpdateTableRequest> protection =
      DecodeUpdateTable(Table(R"("DeletionProtectionEnabled":false)"));
  REQUIRE(protection.ok());
  CHECK(protection.value().deletion_protection_enabled == false);
}

TEST_CASE("UpdateTable's table name and constraint checks", "[codec][update-table]") {
  CheckValidation(DecodeUpdateTable("{}"),
                  "The parameter 'TableName' is required but was not present in the request");
  CheckValidation(DecodeUpdateTable(R"({"TableName":"a;"})"),
                  "TableName must be at least 3 characters long and at most 255 characters long");
  CheckValidation(DecodeUpdateTable(R"({"TableName":"abc;"})"),
                  "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  CheckValidation(DecodeUpdateTable(Table(R"("ProvisionedThroughput":{},"BillingMode":"x")")),
                  "3 validation errors detected: Value 'x' at 'billingMode' failed to satisfy "
                  "constraint: Member must satisfy enum value set: [PROVISIONED, "
                  "PAY_PER_REQUEST]; Value null at 'provisionedThroughput.writeCapacityUnits' "
                  "failed to satisfy constraint: Member must not be null; Value null at "
                  "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
                  "Member must not be null");
  CheckValidation(DecodeUpdateTable(Table(R"("ProvisionedThroughput":{"ReadCapacityUnits":)"
                                          R"(1000000000001,"WriteCapacityUnits":-1})")),
                  "1 validation error detected: Value '-1' at "
                  "'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: "
                  "Member must have value greater than or equal to 1");
  CheckValidation(
      DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"a",)"
                              R"("ProvisionedThroughput":{}}},{"Update":{"IndexName":"abc;",)"
                              R"("ProvisionedThroughput":{"ReadCapacityUnits":1,)"
                              R"("WriteCapacityUnits":0}}},{"Delete":{}},{"Create":{}}])")),
      "9 validation errors detected: Value 'a' at "
      "'globalSecondaryIndexUpdates.1.member.update.indexName' failed to satisfy constraint: "
      "Member must have length greater than or equal to 3; Value null at "
      "'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits' "
      "failed to satisfy constraint: Member must not be null; Value null at "
      "'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.readCapacityUnits' "
      "failed to satisfy constraint: Member must not be null; Value 'abc;' at "
      "'globalSecondaryIndexUpdates.2.member.update.indexName' failed to satisfy constraint: "
      "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '0' at "
      "'globalSecondaryIndexUpdates.2.member.update.provisionedThroughput.writeCapacityUnits' "
      "failed to satisfy constraint: Member must have value greater than or equal to 1; Value "
      "null at 'globalSecondaryIndexUpdates.3.member.delete.indexName' failed to satisfy "
      "constraint: Member must not be null; Value null at "
      "'globalSecondaryIndexUpdates.4.member.create.indexName' failed to satisfy constraint: "
      "Member must not be null; Value null at "
      "'globalSecondaryIndexUpdates.4.member.create.keySchema' failed to satisfy constraint: "
      "Member must not be null; Value null at "
      "'globalSecondaryIndexUpdates.4.member.create.projection' failed to satisfy constraint: "
      "Member must not be null");
  CheckSerialization(DecodeUpdateTable(Table(R"("ProvisionedThroughput":[])")),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.ProvisionedThroughput");
  CheckSerialization(DecodeUpdateTable(Table(R"("StreamSpecification":{"StreamEnabled":"yes"})")),
                     "Unexpected token received from parser");
  CheckSerialization(DecodeUpdateTable(Table(R"("DeletionProtectionEnabled":1)")),
                     "NUMBER_VALUE cannot be converted to Boolean");
}

TEST_CASE("UpdateTable needs something to change", "[codec][update-table]") {
  CheckValidation(DecodeUpdateTable(R"({"TableName":"abc"})"), kAtLeastOne);
  CheckValidation(DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[])")), kAtLeastOne);
  CheckValidation(DecodeUpdateTable(Table(R"("AttributeDefinitions":[])")), kAtLeastOne);
  // A member the request carries is left out of the list.
  CheckValidation(DecodeUpdateTable(Table(R"("MultiRegionConsistency":"STRONG")")),
                  "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                  "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
                  "MultiAccountReplicaReady, ReplicaTransitRoleArn, DeletionProtectionEnabled, "
                  "OnDemandThroughput, WarmThroughput or TableClass is required");
}

TEST_CASE("UpdateTable's own rules, then what ddbx does not support", "[codec][update-table]") {
  CheckValidation(DecodeUpdateTable(Table(R"("ProvisionedThroughput":{"ReadCapacityUnits":)"
                                          R"(1000000000001,"WriteCapacityUnits":1000000000001})")),
                  "Given value 1000000000001 for ReadCapacityUnits is out of bounds");
  CheckValidation(DecodeUpdateTable(Table(R"("ProvisionedThroughput":{"ReadCapacityUnits":)"
                                          R"(1000000000000,"WriteCapacityUnits":1000000000001})")),
                  "Given value 1000000000001 for WriteCapacityUnits is out of bounds");
  CheckValidation(DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[{}])")),
                  "One or more parameter values were invalid: One of "
                  "GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                  "GlobalSecondaryIndexUpdate.Delete must not be null");
  CheckValidation(
      DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"abc"}},)"
                              R"({"Delete":{"IndexName":"abc"}}])")),
      "One or more parameter values were invalid: Only one global secondary index update per "
      "index is allowed simultaneously. Index: abc");
  CheckValidation(
      DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"abc"},)"
                              R"("Update":{"IndexName":"abd"}}])")),
      "One or more parameter values were invalid: Only one global secondary index action is "
      "allowed per GlobalSecondaryIndexUpdate object");
  CheckValidation(
      DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"abc",)"
                              R"("ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,)"
                              R"("WriteCapacityUnits":1}}}])")),
      "Given value 1000000000001 for ReadCapacityUnits is out of bounds for index abc");
  CheckValidation(DecodeUpdateTable(Table(R"("TableClass":"COLD")")),
                  "Invalid table-class parameter provided. Please try again with a valid "
                  "table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].");
  CheckValidation(
      DecodeUpdateTable(Table(R"("BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":)"
                              R"({"ReadCapacityUnits":1,"WriteCapacityUnits":1})")),
      "One or more parameter values were invalid: ProvisionedThroughput cannot be specified when "
      "BillingMode is PAY_PER_REQUEST");
  CheckValidation(DecodeUpdateTable(Table(R"("DeletionProtectionEnabled":true,)"
                                          R"("BillingMode":"PAY_PER_REQUEST")")),
                  "One or more parameter values were invalid: DeletionProtection modification "
                  "must be the only operation in the request");
  CheckValidation(DecodeUpdateTable(Table(R"("SSESpecification":{"Enabled":true},)"
                                          R"("BillingMode":"PAY_PER_REQUEST")")),
                  "One or more parameter values were invalid: Server-Side Encryption "
                  "modification must be the only operation in the request");
  CheckValidation(DecodeUpdateTable(Table(R"("TableClass":"STANDARD",)"
                                          R"("DeletionProtectionEnabled":true)")),
                  "One or more parameter values were invalid: TableClass modification must be "
                  "the only operation in the request");
  // Refusals come last, after DynamoDB's own checks passed.
  auto deletion =
      DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"abc"}}])"));
  REQUIRE(deletion.ok());
  CHECK(deletion.value().delete_global_secondary_indexes == std::vector<std::string>{"abc"});
  CheckValidation(
      DecodeUpdateTable(
          Table(R"("GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"abc",)"
                R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}}])")),
      "ddbx does not support GlobalSecondaryIndexUpdates Update yet");
  // A created index's keys must be defined in the request; two index changes at once exceed
  // DynamoDB's limit.
  const std::string create =
      R"({"Create":{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],)"
      R"("Projection":{"ProjectionType":"ALL"}}})";
  CheckValidation(DecodeUpdateTable(Table(R"("GlobalSecondaryIndexUpdates":[)" + create + "]")),
                  "One or more parameter values were invalid: Some index key attributes are not "
                  "defined in AttributeDefinitions. Keys: [g], AttributeDefinitions: []");
  const std::string defs = R"("AttributeDefinitions":[{"AttributeName":"g","AttributeType":"S"}],)";
  auto created =
      DecodeUpdateTable(Table(defs + R"("GlobalSecondaryIndexUpdates":[)" + create + "]"));
  REQUIRE(created.ok());
  REQUIRE(created.value().create_global_secondary_indexes.size() == 1);
  CHECK(created.value().create_global_secondary_indexes[0].index_name == "byg");
  CHECK(created.value().attribute_definitions ==
        std::vector<AttributeDefinition>{{"g", ScalarAttributeType::kS}});
  auto two = DecodeUpdateTable(Table(defs + R"("GlobalSecondaryIndexUpdates":[)" + create +
                                     R"(,{"Delete":{"IndexName":"old"}}])"));
  REQUIRE_FALSE(two.ok());
  CHECK(two.error().code == ErrorCode::kLimitExceeded);
  CHECK(two.error().message ==
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously "
        "per table");
  CheckValidation(DecodeUpdateTable(Table(R"("StreamSpecification":{"StreamEnabled":true,)"
                                          R"("StreamViewType":"NEW_IMAGE"})")),
                  "ddbx does not support StreamSpecification yet");
  CheckValidation(DecodeUpdateTable(Table(R"("SSESpecification":{"Enabled":false})")),
                  "ddbx does not support SSESpecification yet");
  CheckValidation(DecodeUpdateTable(Table(R"("ReplicaUpdates":[{"Create":{}}])")),
                  "ddbx does not support ReplicaUpdates yet");
  CheckValidation(DecodeUpdateTable(Table(R"("TableClass":"STANDARD")")),
                  "ddbx does not support TableClass yet");
  CheckValidation(DecodeUpdateTable(Table(R"("OnDemandThroughput":{"MaxReadRequestUnits":5})")),
                  "ddbx does not support OnDemandThroughput yet");
  CheckValidation(DecodeUpdateTable(Table(R"("WarmThroughput":{"ReadUnitsPerSecond":5})")),
                  "ddbx does not support WarmThroughput yet");
}

}  // namespace
}  // namespace ddbx::api
