// Checks of the SQLite store opened with a plan codec other than JSON, shared by the unit tests
// (a codec of their own) and the integration tests (modalisd's protobuf codec): it must behave as
// with JSON, store what the codec writes (or what the caller encoded) under the codec's name,
// read each plan by the format stored with it, and convert a JSON database in place at open.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/store/plan_codec.h"
#include "core/store/sqlite/sqlite_store.h"
#include "tests/support/store_samples.h"
#include "tests/support/temp_dir.h"

namespace modalis::testing {

struct StoredPlanRow {
  std::string plan_id;
  std::string format;
  std::string bytes;
  std::string type;  // SQLite's typeof(plan_data)
};

// The plans table as stored, in row order, read with a connection of its own.
inline std::vector<StoredPlanRow> StoredPlanRows(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(
      db, "SELECT plan_id, plan_format, plan_data, typeof(plan_data) FROM plans ORDER BY rowid");
  std::vector<StoredPlanRow> rows;
  while (q.executeStep()) {
    const SQLite::Column data = q.getColumn(2);
    const void* blob = data.getBlob();
    rows.push_back(
        {q.getColumn(0).getString(), q.getColumn(1).getString(),
         std::string(static_cast<const char*>(blob), static_cast<size_t>(data.getBytes())),
         q.getColumn(3).getString()});
  }
  return rows;
}

inline std::unique_ptr<Store> OpenWith(const std::string& path,
                                       std::shared_ptr<const PlanCodec> codec,
                                       bool read_only = false) {
  SqliteStoreOptions options;
  options.plan_codec = std::move(codec);
  options.read_only = read_only;
  auto store = OpenSqliteStore(path, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Put, get, list, export, progress, feedback and a retry give the same answers as a store that
// keeps JSON, and what is stored under the codec's name is its encoding, not JSON.
inline void ExpectStoreBehavesAsWithJson(const std::shared_ptr<const PlanCodec>& codec) {
  ASSERT_NE(codec->format(), kJsonPlanFormat);
  TempDir dir;
  auto coded = OpenWith(dir.file("coded.db"), codec);
  auto json = OpenWith(dir.file("json.db"), nullptr);
  ASSERT_NE(coded, nullptr);
  ASSERT_NE(json, nullptr);
  const std::vector<NewPlan> plans = {RichPlan("pl_1", "req-1"), SamplePlan("pl_2"),
                                      RichPlan("pl_3")};
  for (const NewPlan& p : plans) {
    auto a = coded->PutPlan(p);
    auto b = json->PutPlan(p);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(PlanToJsonText(a->plan), PlanToJsonText(p.plan.plan));
  }
  for (Store* store : {coded.get(), json.get()}) {
    SCOPED_TRACE(store == coded.get() ? "with the codec" : "with JSON");
    for (const NewPlan& p : plans) {
      auto got = store->GetPlan("default", p.plan.plan_id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(PlanToJsonText(got->plan), PlanToJsonText(p.plan.plan));
      EXPECT_EQ(got->baseline.pain_nprs, p.plan.baseline.pain_nprs);
      EXPECT_EQ(got->request_id, p.plan.request_id);
    }
    // A retry of the first request is answered with the plan stored then.
    auto retry = store->PutPlan(RichPlan("pl_9", "req-1"));
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_EQ(retry->plan_id, "pl_1");
    EXPECT_EQ(PlanToJsonText(retry->plan), PlanToJsonText(plans[0].plan.plan));

    auto first = store->ListPlans("default", "P-0001", 2, "");
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_EQ(first->plans.size(), 2u);
    ASSERT_FALSE(first->next_page_token.empty());
    auto second = store->ListPlans("default", "P-0001", 2, first->next_page_token);
    ASSERT_TRUE(second.ok()) << second.status();
    ASSERT_EQ(second->plans.size(), 1u);
    EXPECT_EQ(PlanToJsonText(first->plans[1].plan), PlanToJsonText(plans[1].plan.plan));
    EXPECT_EQ(PlanToJsonText(second->plans[0].plan), PlanToJsonText(plans[2].plan.plan));

    // RichPlan has two steps: the second takes feedback, a third does not exist.
    EXPECT_TRUE(
        store->RecordFeedback({"pl_3", 1, StepDecision::kModified, "shorter", "notes", 0}).ok());
    EXPECT_EQ(store->RecordFeedback({"pl_3", 2, StepDecision::kAccepted, "", "notes", 0}).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store->RecordFeedback({"pl_2", 1, StepDecision::kAccepted, "", "notes", 0}).code(),
              absl::StatusCode::kInvalidArgument);

    auto record = store->ExportPatient("default", "P-0001");
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_EQ(record->plans.size(), plans.size());
    for (size_t i = 0; i < plans.size(); ++i) {
      EXPECT_EQ(PlanToJsonText(record->plans[i].plan), PlanToJsonText(plans[i].plan.plan));
    }
    ASSERT_EQ(record->feedback.size(), 1u);
    EXPECT_EQ(record->feedback[0].step_index, 1u);

    auto progress = store->GetProgress("default", "P-0001", ProgressPolicy{});
    ASSERT_TRUE(progress.ok()) << progress.status();
    EXPECT_EQ(progress->review_after_sessions, 3u);  // RichPlan's course, the latest plan's
    EXPECT_EQ(progress->latest_referral, Urgency::kRoutine);
  }
  coded.reset();
  json.reset();

  for (const StoredPlanRow& row : StoredPlanRows(dir.file("coded.db"))) {
    SCOPED_TRACE(row.plan_id);
    EXPECT_EQ(row.format, codec->format());
    EXPECT_EQ(row.type, "blob");
    EXPECT_FALSE(nlohmann::json::accept(row.bytes)) << "stored as JSON";
    auto decoded = codec->Decode(row.bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(row.bytes, codec->Encode(*decoded));
  }
  for (const StoredPlanRow& row : StoredPlanRows(dir.file("json.db"))) {
    EXPECT_EQ(row.format, kJsonPlanFormat);
    EXPECT_TRUE(nlohmann::json::accept(row.bytes));
  }
}

// NewPlan::encoded_plan is what is stored, not the store's own encoding of the plan.
inline void ExpectEncodedPlanIsStoredAsGiven(const std::shared_ptr<const PlanCodec>& codec) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  auto store = OpenWith(path, codec);
  ASSERT_NE(store, nullptr);
  NewPlan n = RichPlan("pl_1");
  Plan as_encoded = n.plan.plan;
  as_encoded.steps[0].rationale = "as the caller encoded it";
  n.encoded_plan = codec->Encode(as_encoded);
  n.encoded_plan_format = std::string(codec->format());
  const std::string given = n.encoded_plan;
  // Bytes said to be in another format are never stored as this one: the store encodes instead.
  NewPlan other_format = RichPlan("pl_2");
  other_format.encoded_plan = "not this codec's bytes";
  other_format.encoded_plan_format = "some.other.Format";
  ASSERT_TRUE(store->PutPlan(other_format).ok());
  auto encoded_by_store = store->GetPlan("default", "pl_2");
  ASSERT_TRUE(encoded_by_store.ok()) << encoded_by_store.status();
  EXPECT_EQ(PlanToJsonText(encoded_by_store->plan), PlanToJsonText(other_format.plan.plan));
  auto put = store->PutPlan(n);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->plan.steps[0].rationale, "why");  // the answer is the plan it was given
  auto got = store->GetPlan("default", "pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->plan.steps[0].rationale, "as the caller encoded it");
  store.reset();
  const auto rows = StoredPlanRows(path);
  ASSERT_EQ(rows.size(), 2u);
  for (const StoredPlanRow& row : rows) EXPECT_EQ(row.format, codec->format());
  EXPECT_TRUE(std::any_of(rows.begin(), rows.end(),
                          [&](const StoredPlanRow& row) { return row.bytes == given; }));
  EXPECT_TRUE(std::none_of(rows.begin(), rows.end(), [](const StoredPlanRow& row) {
    return row.bytes == "not this codec's bytes";
  }));
}

// A database written with JSON is converted in place when opened writable with the codec: every
// plan reads back the same, every row is in the codec's format, the audit chain is untouched.
// Read-only with JSON, the converted plans are FAILED_PRECONDITION naming the codec's format.
inline void ExpectJsonDatabaseIsConvertedAtOpen(const std::shared_ptr<const PlanCodec>& codec) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  std::map<std::string, std::string> before;  // plan id -> its JSON
  IntegrityReport verified;
  {
    auto store = OpenWith(path, nullptr);
    ASSERT_NE(store, nullptr);
    std::vector<NewPlan> plans = {RichPlan("pl_1", "req-1"), SamplePlan("pl_2"), RichPlan("pl_3"),
                                  SamplePlan("pl_4")};
    plans[2].plan.patient_ref = "P-0002";
    plans[3].plan.patient_ref = "P-0003";
    for (const NewPlan& p : plans) {
      ASSERT_TRUE(store->PutPlan(p).ok());
      before[p.plan.plan_id] = PlanToJsonText(p.plan.plan);
    }
    ASSERT_TRUE(
        store->RecordFeedback({"pl_1", 1, StepDecision::kDeclined, "no time", "notes", 0}).ok());
    ASSERT_TRUE(store->RecordFeedback({"pl_3", 0, StepDecision::kAccepted, "", "notes", 0}).ok());
    SessionOutcome outcome;
    outcome.patient_ref = "P-0001";
    outcome.session_number = 1;
    outcome.pain_nprs = 5;
    outcome.pain_days_per_week = 4;
    outcome.client = "notes";
    ASSERT_TRUE(store->RecordOutcome(outcome).ok());
    ASSERT_TRUE(store->ErasePatient("default", "P-0003").ok());
    before.erase("pl_4");
    auto report = store->Verify();
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE(report->ok());
    verified = *report;
  }
  for (const StoredPlanRow& row : StoredPlanRows(path)) EXPECT_EQ(row.format, kJsonPlanFormat);

  {
    auto store = OpenWith(path, codec);
    ASSERT_NE(store, nullptr);
    for (const auto& [id, json] : before) {
      auto got = store->GetPlan("default", id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(PlanToJsonText(got->plan), json) << id;
    }
    auto report = store->Verify();
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->ok()) << report->problems[0];
    EXPECT_EQ(report->chains, verified.chains);
    EXPECT_EQ(report->audit_records, verified.audit_records);
    EXPECT_EQ(report->audit_redacted, verified.audit_redacted);
    auto record = store->ExportPatient("default", "P-0001");
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_EQ(record->feedback.size(), 1u);
    EXPECT_EQ(record->outcomes.size(), 1u);
    // The converted plans take feedback by their steps, and new plans join them.
    EXPECT_TRUE(store->RecordFeedback({"pl_2", 0, StepDecision::kAccepted, "", "notes", 0}).ok());
    ASSERT_TRUE(store->PutPlan(SamplePlan("pl_5")).ok());
    before["pl_5"] = PlanToJsonText(SamplePlan("pl_5").plan.plan);
  }
  const auto rows = StoredPlanRows(path);
  ASSERT_EQ(rows.size(), before.size());
  for (const StoredPlanRow& row : rows) {
    EXPECT_EQ(row.format, codec->format()) << row.plan_id;
    EXPECT_EQ(row.type, "blob");
  }

  {
    auto json = OpenWith(path, nullptr, /*read_only=*/true);
    ASSERT_NE(json, nullptr);
    auto got = json->GetPlan("default", "pl_1");
    EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition) << got.status();
    EXPECT_NE(got.status().message().find(std::string(codec->format())), std::string::npos)
        << got.status();
    EXPECT_EQ(json->ListPlans("default", "P-0001", 10, "").status().code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(json->ExportPatient("default", "P-0001").status().code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(json->GetProgress("default", "P-0001", ProgressPolicy{}).status().code(),
              absl::StatusCode::kFailedPrecondition);
    auto report = json->Verify();  // the chain does not need the plans
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->ok());
  }
  // Opened read-only with the codec, nothing needs converting and everything reads.
  auto again = OpenWith(path, codec, /*read_only=*/true);
  ASSERT_NE(again, nullptr);
  for (const auto& [id, json] : before) {
    auto got = again->GetPlan("default", id);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(PlanToJsonText(got->plan), json) << id;
  }
}

// Each plan is read by the format stored with it: JSON plans read through a store whose codec is
// another, without converting them (read-only).
inline void ExpectReadsFollowEachPlansFormat(const std::shared_ptr<const PlanCodec>& codec) {
  TempDir dir;
  const std::string path = dir.file("m.db");
  {
    auto store = OpenWith(path, nullptr);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutPlan(RichPlan("pl_1")).ok());
  }
  auto store = OpenWith(path, codec, /*read_only=*/true);
  ASSERT_NE(store, nullptr);
  auto got = store->GetPlan("default", "pl_1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(PlanToJsonText(got->plan), PlanToJsonText(RichPlan("pl_1").plan.plan));
  auto progress = store->GetProgress("default", "P-0001", ProgressPolicy{});
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->review_after_sessions, 3u);
  store.reset();
  EXPECT_EQ(StoredPlanRows(path)[0].format, kJsonPlanFormat);  // read-only converts nothing
}

}  // namespace modalis::testing
