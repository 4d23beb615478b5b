using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace PromptLeo.Bench.Load;

/// <summary>How a load run is shaped: concurrent API streams and portal users for a fixed time.</summary>
public sealed record LoadOptions
{
    public int ApiStreams { get; init; } = 8;
    public int PortalUsers { get; init; } = 2;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public int MaxTokens { get; init; } = 48;
    public string ModelId { get; init; } = "demo-chat";
    /// <summary>How long a refused client waits before it asks again (Retry-After is longer; this keeps the pressure on).</summary>
    public TimeSpan BackOff { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>No single request may take longer; one that does counts as lost.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A portal user starts a new chat (a fresh page and circuit) after this many answers; 0 = one conversation.</summary>
    public int TurnsPerConversation { get; init; }
}

/// <summary>What one kind of client saw.</summary>
public sealed class ClientTally
{
    public int Started;
    public int Completed;
    public int Refused;
    public int Failed;
    public int Lost;
    public long PromptTokens;
    public long CompletionTokens;
    public ConcurrentBag<double> TimeToFirstTokenMs { get; } = [];
    public ConcurrentDictionary<string, int> Outcomes { get; } = new();

    /// <summary>Every request ended in exactly one known way.</summary>
    public bool Balanced => Started == Completed + Refused + Failed + Lost;

    public double Percentile(double p)
    {
        var sorted = TimeToFirstTokenMs.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public void Count(string outcome) => Outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public override string ToString() =>
        $"started {Started}, completed {Completed}, refused {Refused}, failed {Failed}, lost {Lost}; tokens {PromptTokens}+{CompletionTokens}; " +
        $"TTFT p50 {Percentile(0.5):0} ms, p99 {Percentile(0.99):0} ms; outcomes {string.Join(", ", Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}"))}";
}

public sealed record LoadReport(ClientTally Api, ClientTally Portal, IReadOnlyList<(double Seconds, long WorkingSetBytes, long ManagedBytes, int Threads)> WorkingSet, TimeSpan Elapsed)
{
    /// <summary>Mean working set of the last third of the run against the middle third: growth after warm-up.</summary>
    public double WorkingSetGrowth
    {
        get
        {
            var third = WorkingSet.Count / 3;
            if (third == 0)
                return double.NaN;
            var middle = WorkingSet.Skip(third).Take(third).Average(s => (double)s.WorkingSetBytes);
            var last = WorkingSet.Skip(2 * third).Average(s => (double)s.WorkingSetBytes);
            return last / middle - 1;
        }
    }
}

/// <summary>
/// Drives a running portal on loopback: <see cref="LoadOptions.ApiStreams"/> clients stream <c>/v1/chat/completions</c>
/// (with usage) back to back, <see cref="LoadOptions.PortalUsers"/> Chromium pages send chat messages over the Blazor
/// circuit, all until <see cref="LoadOptions.Duration"/> is over; meanwhile the process's working set is sampled.
/// Every loop is bounded by the duration and every request by <see cref="LoadOptions.RequestTimeout"/>.
/// </summary>
public sealed partial class LoadRun(Uri baseUrl, LoadOptions options)
{
    public async Task<LoadReport> RunAsync(IReadOnlyList<string> apiKeys, IReadOnlyList<(string Email, string Password)> portalUsers, IBrowser? browser)
    {
        if (!IPAddress.IsLoopback(IPAddress.Parse(baseUrl.Host)))
            throw new ArgumentException("Load runs only against a loopback address.", nameof(baseUrl));
        var api = new ClientTally();
        var portal = new ClientTally();
        // Portal users sign in and open the chat before the clock starts.
        var pages = browser is null ? [] : await Task.WhenAll(portalUsers.Take(options.PortalUsers).Select(u => OpenChatAsync(browser, u.Email, u.Password)));
        var clock = Stopwatch.StartNew();
        var end = clock.Elapsed + options.Duration;
        using var stopSampling = new CancellationTokenSource();
        var samples = new List<(double, long, long, int)>();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                samples.Add((clock.Elapsed.TotalSeconds, Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false), ThreadPool.ThreadCount));
                await Task.Delay(500, stopSampling.Token).ContinueWith(_ => { });
            }
        });
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = options.RequestTimeout };
        var workers = apiKeys.Take(options.ApiStreams).Select(key => Task.Run(() => ApiLoopAsync(http, key, api, clock, end)))
            .Concat(pages.Select((page, i) => PortalLoopAsync(page, i, portal, clock, end)));
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        stopSampling.Cancel();
        await sampler;
        foreach (var page in pages)
            await page.Context.CloseAsync();
        return new LoadReport(api, portal, samples, elapsed);
    }

    private async Task ApiLoopAsync(HttpClient http, string key, ClientTally tally, Stopwatch clock, TimeSpan end)
    {
        var body = JsonSerializer.Serialize(new
        {
            model = options.ModelId, stream = true, stream_options = new { include_usage = true }, max_tokens = options.MaxTokens,
            messages = new[] { new { role = "user", content = "Tell me a long story about the sea." } },
        });
        while (clock.Elapsed < end)
        {
            Interlocked.Increment(ref tally.Started);
            var refused = false;
            try
            {
                refused = await ApiRequestAsync(http, key, body, tally);
            }
            catch (Exception ex)
            {
                // A timeout, a reset connection or a stream cut short: the request is lost.
                Interlocked.Increment(ref tally.Lost);
                tally.Count($"lost:{ex.GetType().Name}");
            }
            if (refused)
                await Task.Delay(options.BackOff);
        }
    }

    /// <summary>One streamed completion; true when it was refused with 429.</summary>
    private static async Task<bool> ApiRequestAsync(HttpClient http, string key, string body, ClientTally tally)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            tally.Count($"429:{error.RootElement.GetProperty("error").GetProperty("code").GetString()}");
            Interlocked.Increment(ref tally.Refused);
            return true;
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            tally.Count($"{(int)response.StatusCode}");
            Interlocked.Increment(ref tally.Failed);
            return false;
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var firstToken = false;
        (int Prompt, int Completion)? usage = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line == "data: [DONE]")
            {
                if (usage is not { } u)
                    break;
                Interlocked.Add(ref tally.PromptTokens, u.Prompt);
                Interlocked.Add(ref tally.CompletionTokens, u.Completion);
                Interlocked.Increment(ref tally.Completed);
                tally.Count("200");
                return false;
            }
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
                continue;
            using var chunk = JsonDocument.Parse(line.AsMemory(6));
            var root = chunk.RootElement;
            if (root.TryGetProperty("error", out _))
            {
                tally.Count("stream-error");
                Interlocked.Increment(ref tally.Failed);
                return false;
            }
            if (root.TryGetProperty("usage", out var used) && used.ValueKind == JsonValueKind.Object)
                usage = (used.GetProperty("prompt_tokens").GetInt32(), used.GetProperty("completion_tokens").GetInt32());
            if (!firstToken && root.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 })
            {
                firstToken = true;
                tally.TimeToFirstTokenMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        throw new IOException("The stream ended without [DONE] and usage.");
    }

    private async Task<IPage> OpenChatAsync(IBrowser browser, string email, string password)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl.ToString(), Locale = "en-US" });
        context.SetDefaultTimeout((float)options.RequestTimeout.TotalMilliseconds);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("[name='Input.Email']", email);
        await page.FillAsync("[name='Input.Password']", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(url => !url.Contains("/Account/Login"));
        await NewChatAsync(page);
        return page;
    }

    private async Task NewChatAsync(IPage page)
    {
        await page.GotoAsync("/chat");
        await page.Locator("#chat-input[data-composer='ready']").WaitForAsync();
        await page.ClickAsync("#chat-model-picker .mud-select");
        await page.Locator(".mud-popover-open").GetByText("Demo (random weights)").First.ClickAsync();
        await page.ClickAsync("#chat-settings-toggle");
        await page.FillAsync("#chat-max-tokens", options.MaxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#chat-max-tokens").BlurAsync();
    }

    private async Task PortalLoopAsync(IPage page, int user, ClientTally tally, Stopwatch clock, TimeSpan end)
    {
        var input = page.Locator("#chat-input[data-composer='ready']");
        var answers = 0;
        for (var turn = 0; clock.Elapsed < end; turn++)
        {
            Interlocked.Increment(ref tally.Started);
            try
            {
                if (options.TurnsPerConversation > 0 && answers == options.TurnsPerConversation)
                {
                    await NewChatAsync(page);
                    answers = 0;
                }
                var before = await StateAsync(page);
                await input.FillAsync($"User {user}, message {turn}: tell me about the sea.");
                var started = Stopwatch.GetTimestamp();
                await input.PressAsync("Enter");
                if (await AwaitAnswerAsync(page, before, started, tally))
                    await Task.Delay(options.BackOff);
                else
                    answers++;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref tally.Lost);
                tally.Count($"lost:{ex.GetType().Name}");
            }
        }
    }

    /// <summary>Polls the page until the answer is stored (its token line shows) or a busy notice appears; true when refused.</summary>
    private async Task<bool> AwaitAnswerAsync(IPage page, PageState before, long started, ClientTally tally)
    {
        var firstToken = false;
        var deadline = Stopwatch.GetTimestamp() + (long)(options.RequestTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var now = await StateAsync(page);
            if (now.Busy)
            {
                Interlocked.Increment(ref tally.Refused);
                tally.Count("busy");
                // The message stays in the composer for another try; clear it so the next turn starts clean.
                await page.Locator("#chat-input").FillAsync("");
                await DismissBusyNoticeAsync(page);
                return true;
            }
            if (!firstToken && now.Assistants > before.Assistants && now.LastAnswerLength > 0)
            {
                firstToken = true;
                tally.TimeToFirstTokenMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            if (now.Stored > before.Stored && !now.Streaming && TokenLine().Match(now.LastTokens) is { Success: true } tokens)
            {
                Interlocked.Add(ref tally.PromptTokens, long.Parse(tokens.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                Interlocked.Add(ref tally.CompletionTokens, long.Parse(tokens.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
                Interlocked.Increment(ref tally.Completed);
                tally.Count("stored");
                return false;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("No answer and no refusal within the request timeout.");
    }

    // MudBlazor shows a message only once while it is visible, so the notice is closed before the next turn.
    private static async Task DismissBusyNoticeAsync(IPage page)
    {
        var notice = page.Locator(".mud-snackbar", new PageLocatorOptions { HasTextRegex = Busy() });
        try
        {
            await notice.Locator("button").First.ClickAsync(new LocatorClickOptions { Timeout = 2_000 });
        }
        catch (TimeoutException)
        {
            // Already gone on its own.
        }
        await notice.First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 10_000 });
    }

    private static async Task<PageState> StateAsync(IPage page)
    {
        var state = await page.EvaluateAsync<JsonElement>("""
            () => {
              const answers = document.querySelectorAll('.pl-msg-assistant');
              const tokens = document.querySelectorAll('.pl-msg-assistant .pl-msg-tokens');
              const last = answers.length ? answers[answers.length - 1].querySelector('.pl-markdown') : null;
              const busy = [...document.querySelectorAll('.mud-snackbar')].some(n => /busy/i.test(n.textContent || ''));
              return { busy, assistants: answers.length, stored: tokens.length,
                       lastAnswerLength: last ? last.textContent.length : 0, streaming: !!document.querySelector('#chat-stop'),
                       lastTokens: tokens.length ? tokens[tokens.length - 1].textContent : '' };
            }
            """);
        return new PageState(state.GetProperty("busy").GetBoolean(), state.GetProperty("assistants").GetInt32(), state.GetProperty("stored").GetInt32(),
            state.GetProperty("lastAnswerLength").GetInt32(), state.GetProperty("streaming").GetBoolean(), state.GetProperty("lastTokens").GetString() ?? "");
    }

    [GeneratedRegex(@"(\d+) \+ (\d+) tokens")]
    private static partial Regex TokenLine();

    [GeneratedRegex("busy", RegexOptions.IgnoreCase)]
    private static partial Regex Busy();

    private sealed record PageState(bool Busy, int Assistants, int Stored, int LastAnswerLength, bool Streaming, string LastTokens);
}
