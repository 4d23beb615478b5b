using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PromptLeo.Tests.Fixtures;
using Xunit.Abstractions;

namespace PromptLeo.Tests.Web;

/// <summary>
/// A seeded, bounded fuzz over every /v1 endpoint and every portal endpoint that takes a body or query parameters:
/// no 5xx, no hang, no internal detail in any body, no error log, and a healthy process at the end.
/// </summary>
public sealed class HostileInputFuzzTests(LoggingApiPortalFactory factory, ITestOutputHelper output) : IClassFixture<LoggingApiPortalFactory>
{
    private const int Seed = 20261201;
    private const int Cases = 420;
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(15);

    // Raw JSON values a hostile client sends in place of a field.
    private static readonly string[] JsonValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e999", "-1e999", "1e-400", "123456789012345678901234567890",
        "\"\"", "\"x\"", "\"\\ud800\"", "\"a\\udc00b\"", "\"\\u0000\"", "\"🦁\"", "[]", "{}", "[1,\"a\",null]", "{\"a\":{\"b\":[]}}",
        new string('[', 40) + new string(']', 40), "\"" + new string('a', 100_000) + "\"", "\"64x64\"", "\"9999999x9999999\"",
        "\"-64x-64\"", "\"64x64x2\"", "\"euler\"", "\"user\"", "NaN", "\"\\x\"", "\"unterminated", "01", "+1", "0x10",
    ];

    // Strings for form fields, route values and query strings (already URL-safe where they go into a URL).
    private static readonly string[] TextValues =
    [
        "", "x", "%FF%FE", "%00", "%C3%28", "%ED%A0%80", "%", "%zz", new string('a', 5000), "'%20OR%201=1%20--", "%3Cscript%3Ealert(1)%3C/script%3E",
        "..%2F..%2Fetc%2Fpasswd", "%F0%9F%A6%81", "-1", "0", "1e999", "NaN", "Infinity", "true", "2147483648", "-2147483649", "9999", "10000", "13", "12",
    ];

    // The in-memory test server refuses to decode a NUL in a path (Kestrel answers 400 itself), so paths leave it out.
    private static readonly string[] PathValues = TextValues.Where(v => v is not ("%00" or "%" or "")).ToArray();

    private static readonly string[] Urls =
    [
        "https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2F%5Cevil.example", "javascript%3Aalert(1)", "%2Fbilling", "%FF", "http%3A%2F%2Flocalhost%2F..%2F..",
        "", "%2F%2F%2F", "mailto%3Ax%40y.z", "%2Fprivacy%3Fa%3D%25",
    ];

    private static readonly string[] Years = ["0", "-1", "1", "2026", "9998", "9999", "10000", "2147483647", "x", ""];

    private static readonly string[] Months = ["0", "1", "12", "13", "-1", "x", ""];

    private static readonly string[] Dates = ["", "2026-11-01", "0001-01-01", "9999-12-31", "2026-13-01", "2026-02-30", "x", "2026-11-01T00:00", "-1-01-01", "20261101"];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "multipart/form-data",
        "application/json; charset=utf-16", "application/json-seq", "application/json; boundary=\"", "image/png",
    ];

    private sealed record FuzzCase(string Name, HttpClient Client, Func<HttpRequestMessage> Build);

    [Fact]
    public async Task SeededHostileRequests_NeverFailHangOrLeak()
    {
        var (portal, _, userId) = await factory.SignedInClientAsync();
        var key = await factory.CreateKeyAsync(userId);
        var api = factory.ClientWithKey(key.Secret);
        var token = FormPost.AntiforgeryToken(await portal.GetStringAsync("/"));
        var anonymous = factory.CreateBrowserLikeClient();
        // Visitors about to sign in, each with its own token: a token is bound to the (anonymous) visitor it was issued to.
        var visitorEmail = $"fuzz-visitor-{Guid.NewGuid():N}@promptleo.test";
        await factory.CreateUserAsync(visitorEmail);
        var visitors = new Queue<(HttpClient Client, string Token)>();
        for (var i = 0; i < 12; i++)
        {
            var visitor = factory.CreateBrowserLikeClient();
            visitors.Enqueue((visitor, FormPost.AntiforgeryToken(await visitor.GetStringAsync("/Account/Login"))));
        }

        var random = new Random(Seed);
        var generators = new List<Func<FuzzCase>>
        {
            () => Json(api, "/v1/chat/completions", ChatBody(random), random),
            () => Json(api, "/v1/chat/completions", ChatBody(random), random),
            () => Json(api, "/v1/chat/completions", ChatBody(random), random),
            () => Json(api, "/v1/images/generations", ImageBody(random), random),
            () => Json(api, "/v1/images/generations", ImageBody(random), random),
            () => Multipart(api, "/v1/images/edits", random),
            () => Multipart(api, "/v1/images/background-removal", random),
            () => Get(api, $"/v1/models/{Pick(random, PathValues)}"),
            () => new FuzzCase("/v1 method", api, () => new HttpRequestMessage(new HttpMethod(Pick(random, ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])), Pick(random, ["/v1/chat/completions", "/v1/models", "/v1/images/edits", "/v1/x"]))),
            () => Get(portal, $"/billing/usage.csv?year={Pick(random, Years)}&month={Pick(random, Months)}"),
            () => Get(portal, $"/billing/usage.csv?year={Pick(random, TextValues)}&month={Pick(random, TextValues)}"),
            () => Login(visitors.Count > 1 ? visitors.Dequeue() : visitors.Peek(), visitorEmail, random),
            () => Get(portal, $"/privacy/records.pdf?from={Pick(random, Dates)}&to={Pick(random, Dates)}"),
            () => Get(portal, $"/chat/{Guid.NewGuid()}/export?format={Pick(random, TextValues)}"),
            () => Get(portal, $"/images/file/{Guid.NewGuid()}?download={Pick(random, TextValues)}&parameters={Pick(random, TextValues)}"),
            () => Get(portal, $"/billing/invoices/{Guid.NewGuid()}.pdf"),
            () => Get(portal, $"/privacy/exports/{Guid.NewGuid()}/download"),
            () => Get(anonymous, $"/privacy/erasure/{Guid.NewGuid()}/certificate?token={Pick(random, TextValues)}"),
            () => Get(anonymous, $"/Account/Login?ReturnUrl={Pick(random, Urls)}"),
            () => Get(anonymous, $"/Account/ConfirmEmail?userId={Pick(random, TextValues)}&code={Pick(random, TextValues)}"),
            () => Get(anonymous, $"/Account/ConfirmEmail?userId={userId}&code={Pick(random, TextValues)}"),
            () => Get(anonymous, $"/Account/ResetPassword?code={Pick(random, TextValues)}"),
            () => Get(anonymous, $"/Account/LoginWith2fa?rememberMe={Pick(random, TextValues)}&returnUrl={Pick(random, Urls)}"),
            () => Get(anonymous, $"/Account/LoginWithRecoveryCode?returnUrl={Pick(random, Urls)}"),
            () => Get(anonymous, $"/Account/RegisterConfirmation?email={Pick(random, TextValues)}&returnUrl={Pick(random, Urls)}"),
            () => Get(portal, $"/Account/ConfirmEmailChange?userId={userId}&email={Pick(random, TextValues)}&code={Pick(random, TextValues)}"),
            () => Get(portal, $"/status/{Pick(random, PathValues)}"),
            () => Get(portal, $"/Account/Manage/Sessions?result={Pick(random, TextValues)}"),
            () => Get(portal, $"/chat/{Pick(random, [Guid.NewGuid().ToString(), "x", "%FF"])}"),
            () => Get(anonymous, $"/privacy/erased/{Guid.NewGuid()}?token={Pick(random, TextValues)}"),
            () => Preference(portal, token, random),
            () => Preference(anonymous, null, random),
            () => PortalPost(portal, random),
            () => PortalPost(anonymous, random),
        };

        var failures = new List<string>();
        var answers = new SortedDictionary<string, int>();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Cases; i++)
        {
            var fuzz = generators[random.Next(generators.Count)]();
            using var request = fuzz.Build();
            var label = $"#{i} {fuzz.Name}: {request.Method} {Shorten(request.RequestUri?.OriginalString)}";
            using var cts = new CancellationTokenSource(PerRequest);
            try
            {
                using var response = await fuzz.Client.SendAsync(request, cts.Token);
                var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
                var answer = $"{fuzz.Name} {(int)response.StatusCode}";
                answers[answer] = answers.GetValueOrDefault(answer) + 1;
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{label} -> {(int)response.StatusCode}");
                }
                else if (response.Headers.Location is { IsAbsoluteUri: true } location && location.Host != "localhost")
                {
                    failures.Add($"{label} -> redirects off-site to {location}");
                }
                else if (IsText(response) && LeakedDetail(Encoding.UTF8.GetString(body)) is { } leak)
                {
                    failures.Add($"{label} -> body shows '{leak}'");
                }
            }
            catch (OperationCanceledException)
            {
                failures.Add($"{label} -> no answer within {PerRequest.TotalSeconds} s");
            }
        }

        output.WriteLine($"{Cases} cases in {watch.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", answers.Select(a => $"{a.Key}×{a.Value}")));
        var errorLogs = factory.Logs.Lines.Where(l => l.StartsWith("Error ") || l.StartsWith("Critical ")).Select(l => Shorten(l.Split('\n')[0])).Distinct().Take(10);
        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} hostile requests failed:\n" + string.Join("\n", failures.Take(40))
            + "\nError logs:\n" + string.Join("\n", errorLogs));
        var health = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        factory.AssertNoErrorLogged();
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1), $"The fuzz run took {watch.Elapsed}.");
    }

    private string? LeakedDetail(string body)
    {
        string[] markers = ["Exception", "   at ", ".cs:line", "StackTrace", factory.DataDirectory, "/work/"];
        return markers.FirstOrDefault(m => body.Contains(m, StringComparison.Ordinal));
    }

    private static bool IsText(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is { } type && (type.StartsWith("text/") || type.Contains("json"));

    private static string Shorten(string? text) => text is null ? "" : text.Length > 160 ? text[..160] + "…" : text;

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static FuzzCase Get(HttpClient client, string url) => new("query", client, () => new HttpRequestMessage(HttpMethod.Get, url));

    private static Dictionary<string, string> ChatBody(Random random) => new()
    {
        ["model"] = Pick(random, ["\"demo-chat\"", "\"demo-sd-tiny\"", "\"none\""]),
        ["max_tokens"] = "2",
        ["messages"] = "[{\"role\":\"user\",\"content\":\"hi\"}]",
        ["temperature"] = "0.5",
        ["stream"] = Pick(random, ["false", "true"]),
        ["stop"] = "[\"x\"]",
        ["seed"] = "3",
        ["top_p"] = "0.9",
        ["stream_options"] = "{\"include_usage\":true}",
        ["messages[0]"] = "",
    };

    private static Dictionary<string, string> ImageBody(Random random) => new()
    {
        ["model"] = Pick(random, ["\"demo-sd-tiny\"", "\"demo-chat\"", "\"demo-background-removal\""]),
        ["prompt"] = "\"a fox\"",
        ["size"] = "\"64x64\"",
        ["steps"] = "1",
        ["n"] = "1",
        ["guidance_scale"] = "2",
        ["seed"] = "1",
        ["scheduler"] = "\"euler\"",
        ["response_format"] = "\"b64_json\"",
        ["negative_prompt"] = "\"\"",
    };

    // One mutation of a valid body: a field's value, a dropped optional field, or the body itself.
    private static FuzzCase Json(HttpClient client, string path, Dictionary<string, string> fields, Random random)
    {
        var keys = fields.Keys.ToList();
        var field = Pick(random, keys);
        var mutation = random.Next(10);
        if (mutation < 5)
        {
            if (field == "messages[0]")
            {
                fields["messages"] = $"[{{\"role\":{Pick(random, JsonValues)},\"content\":{Pick(random, JsonValues)}}}]";
            }
            else
            {
                fields[field] = Pick(random, JsonValues);
            }
        }
        else if (mutation == 5 && field is not ("max_tokens" or "size" or "steps" or "n"))
        {
            fields.Remove(field);
        }
        fields.Remove("messages[0]");
        var text = "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
        var bytes = Encoding.UTF8.GetBytes(text);
        var contentType = "application/json";
        switch (mutation)
        {
            case 6:
                bytes = bytes[..random.Next(bytes.Length)];
                break;
            case 7:
                bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100);
                break;
            case 8:
                contentType = Pick(random, ContentTypes);
                break;
            case 9:
                bytes = Encoding.UTF8.GetBytes(Pick(random, ["", "[]", "\"s\"", "1", "null", "{", "{\"model\":\"demo-chat\",\"model\":1}", "\uFEFF{}", "{}"]));
                break;
        }
        return new FuzzCase("json", client, () =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        });
    }

    private static FuzzCase Multipart(HttpClient client, string path, Random random)
    {
        var image = random.Next(5) switch
        {
            0 => TestImages.Gradient(64, 64),
            1 => TestImages.Gradient(64, 64)[..random.Next(8, 200)],
            2 => RandomBytes(random, random.Next(0, 4000)),
            3 => CraftedPngHeader(random.Next(1, 5000), random.Next(1, 5000)),
            _ => [],
        };
        var fields = new Dictionary<string, string>
        {
            ["model"] = Pick(random, ["demo-sd-tiny", "demo-background-removal", "demo-chat", "x"]),
            ["prompt"] = "a fox",
            ["size"] = "64x64",
            ["steps"] = "1",
            ["strength"] = "0.5",
            ["n"] = "1",
        };
        var hostile = Pick(random, fields.Keys.ToList());
        fields[hostile] = Uri.UnescapeDataString(Pick(random, TextValues).Replace("%", random.Next(2) == 0 ? "%" : "%25"));
        var broken = random.Next(6);
        return new FuzzCase("multipart", client, () =>
        {
            var form = new MultipartFormDataContent();
            form.Add(new ByteArrayContent(image), random.Next(4) == 0 ? "mask" : "image", "in.png");
            foreach (var (name, value) in fields)
            {
                form.Add(new StringContent(value), name);
            }
            HttpContent content = form;
            if (broken >= 4)
            {
                // The same body cut short, or under a boundary it does not use.
                var bytes = form.ReadAsByteArrayAsync().GetAwaiter().GetResult();
                content = new ByteArrayContent(broken == 4 ? bytes[..random.Next(bytes.Length)] : bytes);
                content.Headers.TryAddWithoutValidation("Content-Type", broken == 4 ? form.Headers.ContentType!.ToString() : "multipart/form-data; boundary=other");
            }
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        });
    }

    private static FuzzCase Preference(HttpClient client, string? token, Random random)
    {
        var path = Pick(random, ["culture", "theme"]) + "/" + Pick(random, ["de", "en", "dark", "light", "xx", "%FF", "", "..%2F"]);
        var fields = new Dictionary<string, string> { ["returnUrl"] = Uri.UnescapeDataString(Pick(random, Urls)) };
        if (token is not null && random.Next(3) > 0)
        {
            fields["__RequestVerificationToken"] = token;
        }
        var raw = random.Next(4) == 0;
        return new FuzzCase("preferences", client, () => new HttpRequestMessage(HttpMethod.Post, "/preferences/" + path)
        {
            Content = raw ? Garbage(random) : new FormUrlEncodedContent(fields),
        });
    }

    // A correct sign-in that asks to go somewhere afterwards: only local paths may be followed.
    private static FuzzCase Login((HttpClient Client, string Token) visitor, string email, Random random) =>
        new("login", visitor.Client, () => new HttpRequestMessage(HttpMethod.Post, "/Account/Login?ReturnUrl=" + Pick(random, Urls))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = email,
                ["Input.Password"] = "Api-Passw0rd!",
                ["__RequestVerificationToken"] = visitor.Token,
                ["_handler"] = "login",
            }),
        });

    private static FuzzCase PortalPost(HttpClient client, Random random) =>
        new("portal form", client, () => new HttpRequestMessage(HttpMethod.Post, Pick(random, ["/Account/Login", "/Account/Register", "/Account/Logout", "/Account/ForgotPassword", "/",
            "/Account/Manage/Sessions/End", "/Account/Manage/Sessions/SignOutEverywhere", "/Account/Manage/DownloadPersonalData"]))
        {
            Content = Garbage(random),
        });

    private static HttpContent Garbage(Random random)
    {
        var content = new ByteArrayContent(random.Next(3) switch
        {
            0 => RandomBytes(random, random.Next(0, 3000)),
            1 => Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"Input.Email\"\r\n\r\na@b.de\r\n--x"),
            _ => Encoding.UTF8.GetBytes("Input.Email=%FF%FE&" + new string('a', random.Next(0, 10_000)) + "=%&_handler=login"),
        });
        content.Headers.TryAddWithoutValidation("Content-Type", Pick(random, ContentTypes));
        return content;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    // A PNG signature and IHDR that promise an image of the given size, with no pixel data behind them.
    private static byte[] CraftedPngHeader(int width, int height)
    {
        var png = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(png, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        png[24] = 8;
        png[25] = 6;
        return png;
    }
}
