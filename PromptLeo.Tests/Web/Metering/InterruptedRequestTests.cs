using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Metering;

/// <summary>
/// Kills the real portal process mid-inference (SIGKILL, no shutdown code) and starts it again on the same data folder:
/// the record written at the start survives, becomes "interrupted", and nothing is charged.
/// </summary>
public sealed class InterruptedRequestTests
{
    [Fact]
    public async Task ProcessKilledMidStream_RecordInterruptedAtNextStart_NothingCharged()
    {
        var (dataDirectory, userId, secret) = await PrepareAccountAsync();
        await using (var portal = await PortalProcess.StartAsync(dataDirectory))
        {
            using var client = portal.ClientWithKey(secret);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                // Greedy: the random-weight demo model runs on for its 2000 tokens.
                Content = Json(new { model = ApiPortalFactory.ChatModel, stream = true, max_tokens = 2000, temperature = 0, messages = new[] { new { role = "user", content = "write forever" } } }),
            };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var chunks = 0;
            while (chunks < 4 && await reader.ReadLineAsync() is { } line)
            {
                chunks += line.StartsWith("data: {", StringComparison.Ordinal) ? 1 : 0;
            }
            Assert.Equal([ProcessingOutcome.Started], await OutcomesAsync(dataDirectory, userId));

            await portal.KillAsync();

            Assert.DoesNotContain("[DONE]", await ReadRestAsync(reader));
        }

        await AssertInterruptedAfterRestartAsync(dataDirectory, userId);
    }

    [Fact]
    public async Task ProcessKilledMidImage_RecordInterruptedAtNextStart_NothingCharged()
    {
        var (dataDirectory, userId, secret) = await PrepareAccountAsync();
        // The largest batch at the largest size and 1000 steps: minutes of work for the tiny model, so the kill lands mid-image.
        await using (var portal = await PortalProcess.StartAsync(dataDirectory, new Dictionary<string, string> { ["Inference__Diffusion__MaxSteps"] = "1000" }))
        {
            using var client = portal.ClientWithKey(secret);
            var generation = client.PostAsync("/v1/images/generations",
                Json(new { model = ApiPortalFactory.ImageModel, prompt = "a lighthouse", size = "1024x1024", n = 4, steps = 1000 }));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await OutcomesAsync(dataDirectory, userId)).Count == 0 && DateTime.UtcNow < deadline && !generation.IsCompleted)
            {
                await Task.Delay(50);
            }
            Assert.Equal([ProcessingOutcome.Started], await OutcomesAsync(dataDirectory, userId));
            await Task.Delay(500);
            Assert.False(generation.IsCompleted);

            await portal.KillAsync();

            await Assert.ThrowsAsync<HttpRequestException>(() => generation);
        }

        await AssertInterruptedAfterRestartAsync(dataDirectory, userId);
    }

    private static async Task<(string DataDirectory, string UserId, string Secret)> PrepareAccountAsync()
    {
        using var setup = new ApiPortalFactory { KeepDataOnDispose = true };
        var userId = await setup.CreateUserAsync();
        var key = await setup.CreateKeyAsync(userId);
        return (setup.DataDirectory, userId, key.Secret);
    }

    /// <summary>Reads the records straight from the SQLite file the child process writes (WAL allows a reader alongside).</summary>
    private static async Task<List<string>> OutcomesAsync(string dataDirectory, string userId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "promptleo.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Outcome FROM ProcessingRecords WHERE SubjectId = $user";
        command.Parameters.AddWithValue("$user", userId);
        var outcomes = new List<string>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            outcomes.Add(rows.GetString(0));
        }
        return outcomes;
    }

    private static async Task<string> ReadRestAsync(StreamReader reader)
    {
        try
        {
            return await reader.ReadToEndAsync();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return "";
        }
    }

    private static async Task AssertInterruptedAfterRestartAsync(string dataDirectory, string userId)
    {
        using var restarted = new ExistingDataPortal(dataDirectory);
        await using var db = await restarted.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var record = await db.ProcessingRecords.SingleAsync(r => r.SubjectId == userId);
        Assert.Equal(ProcessingOutcome.Interrupted, record.Outcome);
        Assert.NotNull(record.FinishedAt);
        Assert.False(await db.UsageEvents.AnyAsync(u => u.UserId == userId));
    }
}
