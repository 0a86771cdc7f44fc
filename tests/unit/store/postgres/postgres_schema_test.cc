// The PostgreSQL store's schema on a real PostgreSQL: replicas starting together migrate it once,
// a newer release's schema is used when it says this release is still compatible (a rolling
// upgrade) and refused otherwise, and a database that is not a Modalis store is left alone.
#include "core/store/postgres/postgres_schema.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "core/store/postgres/postgres_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/store_samples.h"

namespace modalis {
namespace {

void Execute(const std::string& db, const std::string& sql) {
  pqxx::connection connection(db);
  pqxx::nontransaction tx(connection);
  tx.exec(sql);
}

TEST(PostgresSchemaTest, ReplicasStartingTogetherMigrateOnceAndAllServe) {
  const std::string db = testing::NewTestDatabase();
  std::vector<absl::StatusOr<std::unique_ptr<Store>>> stores(4);
  std::vector<std::thread> threads;
  for (auto& store : stores) {
    threads.emplace_back([&] { store = OpenPostgresStore(db); });
  }
  for (auto& t : threads) t.join();
  for (auto& store : stores) ASSERT_TRUE(store.ok()) << store.status();
  pqxx::connection connection(db);
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT version FROM modalis_schema")[0].as<int>(),
            store_postgres::PostgresSchemaVersion());
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM modalis_schema")[0].as<int>(), 1);
  EXPECT_TRUE((*stores[3])->PutPlan(testing::SamplePlan("pl_1")).ok());
}

TEST(PostgresSchemaTest, ANewerReleasesSchemaThatStillReadsAsThisOneIsUsedAsItIs) {
  const std::string db = testing::NewTestDatabase();
  ASSERT_TRUE(OpenPostgresStore(db).ok());
  const int newer = store_postgres::PostgresSchemaVersion() + 3;
  // What a newer release's additive migrations leave: a higher version, the same oldest reader.
  Execute(db, "UPDATE modalis_schema SET version = " + std::to_string(newer) +
                  "; CREATE TABLE some_later_table (x integer)");
  auto store = OpenPostgresStore(db);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->PutPlan(testing::SamplePlan("pl_1")).ok());
  pqxx::connection connection(db);
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT version FROM modalis_schema")[0].as<int>(), newer)
      << "an older release must not rewrite a newer schema's version";
}

TEST(PostgresSchemaTest, ANewerReleasesSchemaThisOneCannotUseIsRefusedNamingTheVersions) {
  const std::string db = testing::NewTestDatabase();
  ASSERT_TRUE(OpenPostgresStore(db).ok());
  const int newer = store_postgres::PostgresSchemaVersion() + 1;
  Execute(db, "UPDATE modalis_schema SET version = " + std::to_string(newer) +
                  ", oldest_reader = " + std::to_string(newer));
  auto store = OpenPostgresStore(db);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(store.status().message());
  EXPECT_NE(message.find("schema version " + std::to_string(newer)), std::string::npos) << message;
  EXPECT_NE(message.find("knows up to " + std::to_string(store_postgres::PostgresSchemaVersion())),
            std::string::npos)
      << message;
}

// Version 2 (before plans kept what they were asked) takes the columns in place: its plans read
// back without a question, new plans keep theirs.
TEST(PostgresSchemaTest, ADatabaseOfVersion2KeepsItsPlansAndTakesTheirQuestions) {
  const std::string db = testing::NewTestDatabase();
  {
    auto store = OpenPostgresStore(db);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutPlan(testing::SamplePlan("pl_old", "req-old")).ok());
  }
  Execute(db,
          "DROP INDEX plans_replay; ALTER TABLE plans DROP COLUMN replay_input, "
          "DROP COLUMN replay_format; UPDATE modalis_schema SET version = 2");
  auto store = OpenPostgresStore(db);
  ASSERT_TRUE(store.ok()) << store.status();
  {
    pqxx::connection connection(db);
    pqxx::nontransaction tx(connection);
    const pqxx::row row = tx.exec1("SELECT version, oldest_reader FROM modalis_schema");
    EXPECT_EQ(row[0].as<int>(), store_postgres::PostgresSchemaVersion());
    EXPECT_EQ(row[1].as<int>(), 1) << "an addition a release of version 1 ignores";
  }
  auto old = (*store)->GetPlan("default", "pl_old");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->replay_input, "");
  EXPECT_EQ(old->replay_format, "");
  ASSERT_TRUE((*store)->PutPlan(testing::AskedPlan("pl_new", "the new plan's question")).ok());
  auto recent = (*store)->RecentReplayInputs("default", 500);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].plan_id, "pl_new");
  EXPECT_EQ((*recent)[0].replay_input, "the new plan's question");
  EXPECT_EQ((*store)->PutPlan(testing::AskedPlan("pl_retry", "again", "req-old"))->plan_id,
            "pl_old");
}

TEST(PostgresSchemaTest, ADatabaseOfAnotherApplicationIsLeftAlone) {
  const std::string db = testing::NewTestDatabase();
  Execute(db, "CREATE TABLE plans (id integer)");
  auto store = OpenPostgresStore(db);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("not a Modalis store"), std::string::npos);
  pqxx::connection connection(db);
  pqxx::nontransaction tx(connection);
  EXPECT_TRUE(tx.exec("SELECT 1 FROM pg_tables WHERE tablename = 'modalis_schema'").empty());
}

TEST(PostgresSchemaTest, AnUnreachableDatabaseIsUnavailableAndThePasswordStaysOutOfMessages) {
  const int port = testing::FreeLoopbackPort();  // nothing listens there
  const std::string uri =
      "postgresql://modalis:s3cret@127.0.0.1:" + std::to_string(port) + "/modalis";
  auto store = OpenPostgresStore(uri);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
  EXPECT_EQ(std::string(store.status().message()).find("s3cret"), std::string::npos);
  EXPECT_EQ(LocationForLogs(uri),
            "postgresql://modalis:***@127.0.0.1:" + std::to_string(port) + "/modalis");
  EXPECT_EQ(LocationForLogs("var/modalis.db"), "var/modalis.db");
  EXPECT_EQ(LocationForLogs("postgresql://modalis@db/modalis"), "postgresql://modalis@db/modalis");
}

}  // namespace
}  // namespace modalis
