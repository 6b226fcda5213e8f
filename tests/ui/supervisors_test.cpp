// SPDX-License-Identifier: Apache-2.0
// Supervisor login and sessions without HTTP: lockout timing, idle expiry, session limits.
#include <gtest/gtest.h>

#include <thread>
#include <variant>

#include "supervisors.h"
#include "ui/fake_clock.h"
#include "ui/ui_test_support.h"

namespace returnscan::ui::detail {
namespace {

using ui::testing::FakeClock;
using ui::testing::testSupervisors;

class SupervisorAuthTest : public ::testing::Test {
protected:
    FakeClock clock_{core::Timestamp{std::chrono::seconds(1'795'000'000)}};
    SupervisorAuth auth_{testSupervisors(), 3, std::chrono::seconds(60), std::chrono::seconds(900),
                         clock_};
};

TEST_F(SupervisorAuthTest, FindsTheSupervisorByPin)
{
    const auto a = auth_.login("987654");
    ASSERT_TRUE(std::holds_alternative<SessionView>(a));
    const auto& s = std::get<SessionView>(a);
    EXPECT_EQ(s.supervisor, "sup-2");
    EXPECT_EQ(s.id.size(), 64u);
    EXPECT_EQ(s.csrf.size(), 64u);
    EXPECT_NE(s.id, s.csrf);
    const auto found = auth_.find({s.id}, false);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->supervisor, "sup-2");
    EXPECT_FALSE(auth_.find({std::string(64, '0')}, false));
    EXPECT_FALSE(auth_.find({s.id.substr(1)}, false));
}

TEST_F(SupervisorAuthTest, LocksAfterMaxTriesAndUnlocksAfterTheLockout)
{
    EXPECT_EQ(std::get<WrongPin>(auth_.login("1")).triesLeft, 2);
    EXPECT_EQ(std::get<WrongPin>(auth_.login("1")).triesLeft, 1);
    const auto third = auth_.login("1");
    ASSERT_TRUE(std::holds_alternative<Lockout>(third));
    EXPECT_EQ(std::get<Lockout>(third).retryAfter, std::chrono::seconds(60));
    EXPECT_EQ(std::get<Lockout>(third).until, clock_.now() + std::chrono::seconds(60));
    EXPECT_TRUE(std::holds_alternative<Lockout>(auth_.login("1234")));
    ASSERT_TRUE(auth_.lockout());
    clock_.advance(std::chrono::seconds(59));
    EXPECT_EQ(std::get<Lockout>(auth_.login("1234")).retryAfter, std::chrono::seconds(1));
    clock_.advance(std::chrono::seconds(1));
    EXPECT_FALSE(auth_.lockout());
    // A fresh series of tries after the lockout.
    EXPECT_EQ(std::get<WrongPin>(auth_.login("1")).triesLeft, 2);
    EXPECT_TRUE(std::holds_alternative<SessionView>(auth_.login("1234")));
}

TEST_F(SupervisorAuthTest, ParallelGuessesCannotPassTheCount)
{
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    std::atomic<int> locked{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            const auto a = auth_.login("0000");
            (std::holds_alternative<WrongPin>(a) ? wrong : locked)++;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(wrong, 2);  // the third wrong PIN locks; the rest are refused unchecked
    EXPECT_EQ(locked, 6);
}

TEST_F(SupervisorAuthTest, SessionsExpireWhenIdle)
{
    const auto s = std::get<SessionView>(auth_.login("1234"));
    clock_.advance(std::chrono::seconds(899));
    EXPECT_TRUE(auth_.find({s.id}, false));  // a look does not extend it...
    clock_.advance(std::chrono::seconds(1));
    EXPECT_FALSE(auth_.find({s.id}, false));
    EXPECT_EQ(auth_.sessionCount(), 0u);

    const auto t = std::get<SessionView>(auth_.login("1234"));
    clock_.advance(std::chrono::seconds(899));
    EXPECT_TRUE(auth_.find({t.id}, true));  // ...a use does
    clock_.advance(std::chrono::seconds(899));
    EXPECT_TRUE(auth_.find({t.id}, false));
}

TEST_F(SupervisorAuthTest, LoginReplacesTheCallersSessionAndLogoutEndsIt)
{
    const auto a = std::get<SessionView>(auth_.login("1234"));
    const auto b = std::get<SessionView>(auth_.login("987654", a.id));
    EXPECT_FALSE(auth_.find({a.id}, false));
    EXPECT_TRUE(auth_.find({"junk", b.id}, false));
    auth_.logout(b.id);
    EXPECT_FALSE(auth_.find({b.id}, false));
    auth_.logout("unknown");
}

TEST_F(SupervisorAuthTest, KeepsAtMostSixteenSessions)
{
    std::string first;
    for (std::size_t i = 0; i < SupervisorAuth::kMaxSessions + 3; ++i) {
        const auto s = std::get<SessionView>(auth_.login("1234"));
        if (i == 0) {
            first = s.id;
        }
        clock_.advance(std::chrono::seconds(1));
    }
    EXPECT_EQ(auth_.sessionCount(), SupervisorAuth::kMaxSessions);
    EXPECT_FALSE(auth_.find({first}, false));  // the longest idle went first
}

}  // namespace
}  // namespace returnscan::ui::detail
