using System.Text;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

/// <summary>Bodies only a raw socket can send, against real Kestrel: each must get a 4xx, never a 500 or an error log.</summary>
public sealed class MalformedTransportTests(KestrelApiPortalFactory factory) : IClassFixture<KestrelApiPortalFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private string Head(string method, string path, string contentType, string framing, string? key = null) =>
        $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{factory.Port}\r\nContent-Type: {contentType}\r\n{framing}\r\n"
        + (key is null ? "" : $"Authorization: Bearer {key}\r\n") + "\r\n";

    private async Task<string> KeyAsync() => (await factory.CreateKeyAsync(await factory.CreateUserAsync())).Secret;

    private static IEnumerable<byte[]> Chunked(int totalBytes, int chunkBytes = 64 * 1024)
    {
        var chunk = Encoding.ASCII.GetBytes(new string('a', chunkBytes));
        for (var sent = 0; sent < totalBytes; sent += chunkBytes)
        {
            yield return Encoding.ASCII.GetBytes($"{chunkBytes:x}\r\n");
            yield return chunk;
            yield return "\r\n"u8.ToArray();
        }
        yield return "0\r\n\r\n"u8.ToArray();
    }

    private static void AssertStatus(string answer, int status)
    {
        Assert.True(answer.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), "Answer was: " + answer[..Math.Min(answer.Length, 400)]);
        Assert.DoesNotContain("Exception", answer);
    }

    private static void AssertNoServerError(string answer)
    {
        // A client that closed its side is gone: Kestrel may drop the request silently; if it answers, it is a 4xx.
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 4", StringComparison.Ordinal), "Answer was: " + answer[..Math.Min(answer.Length, 400)]);
    }

    [Theory]
    [InlineData("/v1/chat/completions", "application/json", "{\"model\":\"demo-chat\",\"messages\":[")]
    [InlineData("/v1/images/edits", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nPNG")]
    public async Task Api_DeclaredLengthNeverReached_StalledBodyReturns408OpenAiError(string path, string contentType, string start)
    {
        var head = Head("POST", path, contentType, "Content-Length: 100000", await KeyAsync());
        var answer = await factory.SendRawAsync(head, [Encoding.ASCII.GetBytes(start)], closeSending: false, Timeout);
        AssertStatus(answer, 408);
        Assert.Contains("request_timeout", answer);
        factory.AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("/v1/chat/completions", "application/json", "{\"model\":\"demo-chat\",\"messages\":[")]
    [InlineData("/v1/images/edits", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nPNG")]
    [InlineData("/Account/Login", "application/x-www-form-urlencoded", "Input.Email=a%40b.de&Input.Pass")]
    public async Task DeclaredLengthNeverReached_ClientClosesSending_NoServerError(string path, string contentType, string start)
    {
        var head = Head("POST", path, contentType, "Content-Length: 5000", path.StartsWith("/v1") ? await KeyAsync() : null);
        AssertNoServerError(await factory.SendRawAsync(head, [Encoding.ASCII.GetBytes(start)], closeSending: true, Timeout));
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task PortalForm_DeclaredLengthNeverReached_StalledBodyReturns4xx()
    {
        var head = Head("POST", "/Account/Login", "application/x-www-form-urlencoded", "Content-Length: 5000");
        var answer = await factory.SendRawAsync(head, ["Input.Email=a%40b.de&Input.Pass"u8.ToArray()], closeSending: false, Timeout);
        // Antiforgery reads the form first and reports the unreadable body as an invalid submission (400).
        Assert.Matches("^HTTP/1.1 (400|408) ", answer);
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task ChatCompletions_ChunkedBodyOverLimit_Returns413OpenAiError()
    {
        var head = Head("POST", "/v1/chat/completions", "application/json", "Transfer-Encoding: chunked", await KeyAsync());
        var answer = await factory.SendRawAsync(head, Chunked(2 * 1024 * 1024), closeSending: false, Timeout);
        AssertStatus(answer, 413);
        Assert.Contains("request_too_large", answer);
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task ChatCompletions_BrokenChunkFraming_Returns400()
    {
        var head = Head("POST", "/v1/chat/completions", "application/json", "Transfer-Encoding: chunked", await KeyAsync());
        var answer = await factory.SendRawAsync(head, ["zz\r\n{}\r\n0\r\n\r\n"u8.ToArray()], closeSending: false, Timeout);
        AssertStatus(answer, 400);
        factory.AssertNoErrorLogged();
    }

    [Fact]
    public async Task PortalMultipart_ChunkedBodyOverServerLimit_Returns413()
    {
        // Kestrel's own limit for the portal's forms.
        var head = Head("POST", "/Account/Login", "multipart/form-data; boundary=x", "Transfer-Encoding: chunked");
        var opening = "--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n\r\n"u8.ToArray();
        var body = new[] { Encoding.ASCII.GetBytes($"{opening.Length:x}\r\n"), opening, "\r\n"u8.ToArray() }.Concat(Chunked(KestrelApiPortalFactory.ServerBodyLimit + 1024 * 1024));
        var answer = await factory.SendRawAsync(head, body, closeSending: false, Timeout);
        // Antiforgery reads the form first and reports the oversize body as an invalid submission (400), or Kestrel answers 413.
        Assert.Matches("^HTTP/1.1 (400|413) ", answer);
        factory.AssertNoErrorLogged();
    }
}
