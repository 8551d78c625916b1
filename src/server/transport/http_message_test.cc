#include "server/transport/http_message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace eddy::server::transport {
namespace {

namespace http = boost::beast::http;

BeastRequest Request(http::verb verb, std::string target) {
  BeastRequest request{verb, target, 11};
  request.set(http::field::host, "example.com");
  return request;
}

TEST(ToHttpRequestTest, DecodesPathAndQueryInOrder) {
  auto request =
      Request(http::verb::get, "/a%20b/c%2Fd?x=1&payload=%7B%22a%22%3A1%7D&plus=a+b&empty&x=2");
  auto converted = ToHttpRequest(std::move(request), "10.0.0.1");
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(converted->method, "GET");
  EXPECT_EQ(converted->target, "/a%20b/c%2Fd?x=1&payload=%7B%22a%22%3A1%7D&plus=a+b&empty&x=2");
  EXPECT_EQ(converted->path, "/a b/c/d");
  ASSERT_EQ(converted->query.size(), 5u);
  EXPECT_EQ(converted->query[1], (std::pair<std::string, std::string>("payload", "{\"a\":1}")));
  EXPECT_EQ(converted->query[2].second, "a+b");  // '+' is not a space
  EXPECT_EQ(converted->query[3], (std::pair<std::string, std::string>("empty", "")));
  ASSERT_NE(converted->Query("x"), nullptr);
  EXPECT_EQ(*converted->Query("x"), "1");  // the first of repeated parameters
  EXPECT_EQ(converted->Query("missing"), nullptr);
  EXPECT_EQ(converted->remote_address, "10.0.0.1");
}

TEST(ToHttpRequestTest, LowerCasesHeadersAndKeepsTheLastRepeat) {
  auto request = Request(http::verb::post, "/channels");
  request.insert("X-Stream-Client", "first");
  request.insert("x-stream-client", "second");
  request.set(http::field::authorization, "jwt");
  request.body() = "{}";
  auto converted = ToHttpRequest(std::move(request), "");
  ASSERT_TRUE(converted.ok());
  ASSERT_NE(converted->Header("x-stream-client"), nullptr);
  EXPECT_EQ(*converted->Header("x-stream-client"), "second");
  EXPECT_EQ(*converted->Header("authorization"), "jwt");
  EXPECT_EQ(converted->Header("Authorization"), nullptr);  // lookups use lower case
  EXPECT_EQ(converted->body, "{}");
  int stream_client_headers = 0;
  for (const auto& header : converted->headers)
    stream_client_headers += header.first == "x-stream-client";
  EXPECT_EQ(stream_client_headers, 1);
}

TEST(ToHttpRequestTest, KeepsTheLastRepeatAmongManyHeaders) {
  // Past the first few headers the names are looked up in a map: a repeat is still one
  // header with its last value, whether its first appearance came before or after.
  auto request = Request(http::verb::get, "/channels");
  request.insert("X-Early", "first");
  for (int i = 0; i < 40; ++i) request.insert("X-H" + std::to_string(i), std::to_string(i));
  request.insert("x-early", "last");
  request.insert("X-H30", "again");
  auto converted = ToHttpRequest(std::move(request), "");
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(converted->headers.size(), 42u);  // Host, X-Early and the 40
  ASSERT_NE(converted->Header("x-early"), nullptr);
  EXPECT_EQ(*converted->Header("x-early"), "last");
  ASSERT_NE(converted->Header("x-h30"), nullptr);
  EXPECT_EQ(*converted->Header("x-h30"), "again");
  ASSERT_NE(converted->Header("x-h39"), nullptr);
  EXPECT_EQ(*converted->Header("x-h39"), "39");
}

TEST(ToHttpRequestTest, AcceptsAbsoluteFormTargets) {
  auto converted = ToHttpRequest(Request(http::verb::get, "http://example.com/users?a=%41"), "");
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(converted->path, "/users");
  EXPECT_EQ(*converted->Query("a"), "A");
}

TEST(ToHttpRequestTest, RejectsMalformedTargetsAsInputErrors) {
  for (const char* target : {"/bad%zzescape", "/a b", "*", "no-slash"}) {
    auto converted = ToHttpRequest(Request(http::verb::get, target), "");
    ASSERT_FALSE(converted.ok()) << target;
    EXPECT_EQ(converted.error().code, ErrorCode::kInput);
    EXPECT_EQ(converted.error().http_status, 400);
  }
}

TEST(PreflightResponseTest, EchoesOriginAndRequestedHeaders) {
  auto request = Request(http::verb::options, "/channels");
  request.set(http::field::origin, "https://app.example");
  request.set(http::field::access_control_request_headers, "authorization, x-custom");
  auto response = PreflightResponse(request, true);
  EXPECT_EQ(response.result_int(), 204);
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(response[http::field::access_control_allow_headers], "authorization, x-custom");
  EXPECT_EQ(response[http::field::access_control_allow_methods],
            "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  EXPECT_FALSE(response[http::field::access_control_max_age].empty());
  EXPECT_EQ(response[http::field::vary], "Origin");
}

TEST(PreflightResponseTest, DefaultsWithoutOriginOrRequestedHeaders) {
  auto response = PreflightResponse(Request(http::verb::options, "/"), true);
  EXPECT_EQ(response[http::field::access_control_allow_origin], "*");
  EXPECT_EQ(response[http::field::access_control_allow_headers],
            "Authorization, Content-Type, stream-auth-type, X-Stream-Client, x-client-request-id");
}

TEST(ToBeastResponseTest, AddsCorsAndKeepsHandlerHeaders) {
  HttpResponse response;
  response.status = 201;
  response.body = "{\"duration\":\"1.00ms\"}";
  response.headers.emplace_back("X-Request-Id", "abc");
  auto out = ToBeastResponse(std::move(response), 11, true, "");
  EXPECT_EQ(out.result_int(), 201);
  EXPECT_EQ(out[http::field::content_type], "application/json");
  EXPECT_EQ(out[http::field::access_control_allow_origin], "*");
  EXPECT_EQ(out["X-Request-Id"], "abc");
  EXPECT_EQ(out[http::field::content_length], "21");
  EXPECT_TRUE(out.keep_alive());
}

TEST(ToBeastResponseTest, InvalidStatusBecomes500) {
  HttpResponse response;
  response.status = 42;
  EXPECT_EQ(ToBeastResponse(std::move(response), 11, true, "").result_int(), 500);
}

TEST(ErrorResponseTest, IsTheProtocolEnvelopeAndCloses) {
  auto out = ErrorResponse(Error::Make(ErrorCode::kPayloadTooBig, 413, "too big"), 11,
                           "https://app.example");
  EXPECT_EQ(out.result_int(), 413);
  EXPECT_FALSE(out.keep_alive());
  EXPECT_EQ(out[http::field::access_control_allow_origin], "https://app.example");
  auto body = boost::json::parse(out.body()).as_object();
  EXPECT_EQ(body.at("code").as_int64(), 22);
  EXPECT_EQ(body.at("StatusCode").as_int64(), 413);
  EXPECT_EQ(body.at("message").as_string(), "too big");
}

}  // namespace
}  // namespace eddy::server::transport
