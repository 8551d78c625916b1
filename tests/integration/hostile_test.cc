// Hostile input: every bad request gets the error envelope, changes nothing, and the server
// stays up.
#include "integration/fixture.h"

namespace eddy::testing {
namespace {

class HostileTest : public EddyTest {
 protected:
  void SetUp() override {
    auto r =
        AsServer("POST", "/users", R"({"users":{"victim":{"id":"victim","name":"Original"}}})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
  }
  void TearDown() override {
    // Still up, and the stored user is unchanged.
    HttpClient fresh(port());
    auto r = fresh.Request(
        "GET",
        Target("/users",
               {{"api_key", key()}, {"payload", R"({"filter_conditions":{"id":"victim"}})"}}),
        "", {{"Authorization", ServerToken()}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.obj().at("users").as_array().size(), 1u);
    EXPECT_EQ(r.obj().at("users").as_array()[0].at("name"), "Original");
  }

  void ExpectEnvelope(const HttpResult& r, int status, int code) {
    EXPECT_EQ(r.status, status) << r.body;
    ASSERT_TRUE(r.json.is_object()) << r.body;
    EXPECT_EQ(r.code(), code) << r.body;
    EXPECT_EQ(r.obj().at("StatusCode"), status);
    EXPECT_TRUE(r.obj().at("message").is_string());
    EXPECT_TRUE(r.obj().at("duration").is_string());
  }
};

TEST_F(HostileTest, MalformedJson) {
  ExpectEnvelope(AsServer("POST", "/users", R"({"users":{"victim":{"id":"victim","name":"X"})"),
                 400, 4);
  ExpectEnvelope(AsServer("PATCH", "/users", "not json at all"), 400, 4);
  ExpectEnvelope(AsServer("POST", "/users", "[1,2,3]"), 400, 4);
}

TEST_F(HostileTest, WrongJsonTypes) {
  ExpectEnvelope(AsServer("POST", "/users", R"({"users":5})"), 400, 4);
  ExpectEnvelope(AsServer("POST", "/users", R"({"users":{"victim":{"id":7,"name":"X"}}})"), 400, 4);
  ExpectEnvelope(AsServer("PATCH", "/users", R"({"users":[{"id":"victim","set":"name"}]})"), 400,
                 4);
  ExpectEnvelope(AsServer("PATCH", "/users", R"({"users":{"id":"victim"}})"), 400, 4);
}

TEST_F(HostileTest, InvalidUtf8InStrings) {
  ExpectEnvelope(AsServer("POST", "/users",
                          "{\"users\":{\"victim\":{\"id\":\"victim\",\"name\":\"\xc3\x28\"}}}"),
                 400, 4);
}

TEST_F(HostileTest, PayloadThatIsNotJson) {
  ExpectEnvelope(AsServer("GET", "/users", "", {{"payload", "{filter_conditions:"}}), 400, 4);
  ExpectEnvelope(AsServer("GET", "/users", "", {{"payload", "[]"}}), 400, 4);
  ExpectEnvelope(AsServer("GET", "/users", "",
                          {{"payload", R"({"filter_conditions":{"id":{"$regex":"x"}}})"}}),
                 400, 4);
}

TEST_F(HostileTest, OversizedBodyGets413BeforeTheBodyIsSent) {
  std::string request = "POST " + Target("/users", {{"api_key", key()}}) +
                        " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Authorization: " +
                        ServerToken() + "\r\nContent-Length: 20000000\r\n\r\n";
  std::string response = RawExchange(port(), request);  // headers only, no body
  ASSERT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
  EXPECT_NE(response.find("\"code\":22"), std::string::npos) << response;
  EXPECT_NE(response.find("\"StatusCode\":413"), std::string::npos);
}

TEST_F(HostileTest, HeaderFloodGets431) {
  std::string request = "GET /users HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 2000; ++i)
    request += "X-Flood-" + std::to_string(i) + ": aaaaaaaaaaaaaaaa\r\n";
  request += "\r\n";
  std::string response = RawExchange(port(), request);
  ASSERT_EQ(response.rfind("HTTP/1.1 431", 0), 0u) << response.substr(0, 200);
  EXPECT_NE(response.find("\"code\":24"), std::string::npos);
}

TEST_F(HostileTest, GarbageBytes) {
  static const char kGarbage[] = "\x16\x03\x01\x02\x00garbage\r\n\r\n";
  std::string response = RawExchange(port(), std::string(kGarbage, sizeof kGarbage - 1));
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
}

TEST_F(HostileTest, UnknownRouteAndMethod) {
  ExpectEnvelope(AsServer("GET", "/no/such/route"), 404, 16);
  auto r = AsServer("PUT", "/users", "{}");
  EXPECT_EQ(r.status, 405) << r.body;
  EXPECT_EQ(r.code(), 4);
}

TEST_F(HostileTest, OversizedBatch) {
  std::string body = R"({"users":{)";
  for (int i = 0; i < 101; ++i) {
    if (i) body += ",";
    body += "\"b" + std::to_string(i) + "\":{\"id\":\"b" + std::to_string(i) + "\"}";
  }
  body += "}}";
  ExpectEnvelope(AsServer("POST", "/users", body), 400, 4);
}

TEST_F(HostileTest, WebSocketGarbageFrameAndServerStaysUp) {
  WsClient ws;
  ASSERT_TRUE(ws.Connect(port(), ConnectTarget("wsgarbage", UserToken("wsgarbage"))));
  ASSERT_TRUE(ws.ReadJson());
  ws.Send(std::string(70000, '{'));
  auto err = ws.ReadJson();
  ASSERT_TRUE(err);
  EXPECT_EQ(err->at("error").at("code"), 4);
}

}  // namespace
}  // namespace eddy::testing
