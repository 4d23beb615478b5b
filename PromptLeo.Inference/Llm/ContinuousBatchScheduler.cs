using System.Diagnostics;
using System.Runtime.InteropServices;
using LLama;
using LLama.Abstractions;
using LLama.Batched;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace PromptLeo.Inference.Llm;

/// <summary>
/// Continuous batching for one loaded model. A single background loop owns the <see cref="BatchedExecutor"/>: each
/// step it admits waiting requests (round-robin over fairness keys), runs one decode for every active conversation,
/// samples one token per conversation and retires finished or cancelled ones at once, which frees their KV cells.
/// When the KV cache would overflow, the youngest conversation is evicted and re-queued with its tokens so far; it
/// resumes later without repeating text. Finished conversations of a request with a cache scope stay in the KV cache
/// (<see cref="PromptCache"/>) until a follow-up of the same scope continues them, or they give way to new requests.
/// </summary>
internal sealed class ContinuousBatchScheduler : IAsyncDisposable
{
    private readonly string _modelId;
    private readonly LLamaWeights _weights;
    private readonly IContextParams _contextParams;
    private readonly LlmOptions _options;
    private readonly LlmMetrics _metrics;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _modelTag;
    private readonly PromptCache _cache;
    private readonly PromptCacheDirectory _cacheDirectory;
    private long _reportedCacheBytes;

    private readonly Lock _gate = new();
    private readonly LinkedList<ChatJob> _resume = new(); // evicted jobs, admitted first
    private readonly Dictionary<string, Queue<ChatJob>> _queues = [];
    private readonly LinkedList<string> _rotation = new(); // fairness keys with waiting jobs, next turn first
    private readonly List<ChatJob> _active = []; // admission order
    private int _waitingCount;

    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private BatchedExecutor _executor;
    private readonly Task _loop;

    public ContinuousBatchScheduler(string modelId, LLamaWeights weights, IContextParams contextParams,
        int sequenceLimit, int promptCacheEntries, LlmOptions options, LlmMetrics metrics, PromptCacheDirectory cacheDirectory,
        ILogger logger)
    {
        _modelId = modelId;
        _weights = weights;
        _contextParams = contextParams;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _modelTag = new("model", modelId);
        _executor = new BatchedExecutor(weights, contextParams);
        KvCells = (int)_executor.Context.ContextSize;
        SequenceLimit = Math.Min(sequenceLimit, KvCells);
        _cache = new PromptCache(promptCacheEntries, options.PromptCacheMaxBytes, BytesPerCell(weights));
        _cacheDirectory = cacheDirectory;
        cacheDirectory.Register(this);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>KV-cache bytes of one cell: F16 K and V for every layer.</summary>
    public static long BytesPerCell(LLamaWeights weights)
    {
        var handle = weights.NativeHandle;
        var headDim = handle.HeadCount > 0 ? weights.EmbeddingSize / handle.HeadCount : 0;
        return 2L * 2 * handle.LayerCount * handle.KVHeadCount * headDim;
    }

    /// <summary>KV-cache bytes held by kept conversations.</summary>
    public long PromptCacheBytes
    {
        get { lock (_gate) return _cache.Bytes; }
    }

    public int PromptCacheEntries
    {
        get { lock (_gate) return _cache.Count; }
    }

    /// <summary>
    /// Drops the kept conversations of <paramref name="scope"/> and the scopes below it, and stops queued or running
    /// requests of those scopes from being kept. Their cells are freed by the loop, which this wakes.
    /// </summary>
    public void DropCacheScope(string scope)
    {
        lock (_gate)
        {
            _cache.DropScope(scope);
            foreach (var job in _active.Concat(_resume).Concat(_queues.Values.SelectMany(q => q)))
            {
                if (job.CacheScope is { } jobScope && PromptCache.InScope(jobScope, scope))
                    job.CacheScope = null;
            }

            ReportCacheBytes();
        }

        _wake.Release();
    }

    /// <summary>KV-cache cells shared by all conversations of this model.</summary>
    public int KvCells { get; }

    /// <summary>Most tokens (prompt plus completion) one conversation may hold.</summary>
    public int SequenceLimit { get; }

    /// <summary>
    /// Test seam: runs on the loop after each successful decode with the active requests; an exception thrown here
    /// takes the loop's real failure path (fail the active requests, rebuild the executor, carry on).
    /// </summary>
    internal Action<IReadOnlyList<ChatJob>>? AfterDecode { get; set; }

    public int ActiveCount
    {
        get { lock (_gate) return _active.Count; }
    }

    public int WaitingCount
    {
        get { lock (_gate) return _waitingCount; }
    }

    /// <summary>Queues a request; throws <see cref="EngineBusyException"/> when the queue is full.</summary>
    public ChatJob Submit(IReadOnlyList<LLamaToken> promptTokens, SamplingOptions sampling, int droppedTurns,
        string fairnessKey, string? cacheScope, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var job = new ChatJob(_weights, promptTokens, sampling, droppedTurns, fairnessKey, cacheScope, cancellationToken);
        lock (_gate)
        {
            if (_active.Count + _waitingCount >= _options.MaxParallelSequences + _options.MaxQueueLength)
            {
                job.Sampler.Dispose();
                throw new EngineBusyException(_modelId, TimeSpan.FromSeconds(_options.RetryAfterSeconds));
            }

            if (!_queues.TryGetValue(fairnessKey, out var queue))
                _queues[fairnessKey] = queue = new Queue<ChatJob>();
            if (queue.Count == 0)
                _rotation.AddLast(fairnessKey);
            queue.Enqueue(job);
            _waitingCount++;
        }

        _metrics.QueueDepth.Add(1, _modelTag);
        cancellationToken.Register(static state => ((SemaphoreSlim)state!).Release(), _wake);
        _wake.Release();
        return job;
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                DropCancelledWaiting();
                FreeReleasedCache();
                Admit();
                ReportQueuePositions();
                if (ActiveCount == 0)
                {
                    await _wake.WaitAsync(stopping);
                    continue;
                }

                var result = await _executor.Infer(stopping);
                if (result == DecodeResult.NoKvSlot)
                {
                    // Our cell accounting should prevent this; if llama.cpp disagrees, start over with every
                    // conversation re-queued (nothing is lost: each job keeps its tokens).
                    _logger.LogWarning("Model {ModelId}: no KV slot for the batch; re-queueing {Count} conversations",
                        _modelId, ActiveCount);
                    RequeueAllActive();
                    RecreateExecutor();
                    continue;
                }

                if (result != DecodeResult.Ok)
                    throw new InvalidOperationException($"llama_decode returned {result}.");
                AfterDecode?.Invoke(ActiveSnapshot());

                SampleActive();
                EvictToFit();
                PromptPendingTokens();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Only the conversations in the failed batch are lost; waiting requests run on a fresh executor.
                _logger.LogError(ex, "Model {ModelId}: decode step failed; failing {Count} active requests and restarting the loop",
                    _modelId, ActiveCount);
                FailActive("The inference step failed; please retry.");
                RecreateExecutor();
            }
        }
    }

    private void DropCancelledWaiting()
    {
        List<ChatJob> cancelled = [];
        lock (_gate)
        {
            foreach (var job in _resume.Where(j => j.CancellationToken.IsCancellationRequested).ToList())
            {
                _resume.Remove(job);
                cancelled.Add(job);
            }

            foreach (var (key, queue) in _queues)
            {
                if (!queue.Any(j => j.CancellationToken.IsCancellationRequested))
                    continue;
                var kept = queue.Where(j => !j.CancellationToken.IsCancellationRequested).ToList();
                cancelled.AddRange(queue.Where(j => j.CancellationToken.IsCancellationRequested));
                queue.Clear();
                kept.ForEach(queue.Enqueue);
                if (queue.Count == 0)
                    _rotation.Remove(key);
            }

            _waitingCount -= cancelled.Count;
        }

        foreach (var job in cancelled)
        {
            _metrics.QueueDepth.Add(-1, _modelTag);
            job.Complete(FinishReason.Cancelled);
        }
    }

    private void FreeReleasedCache()
    {
        lock (_gate)
        {
            _cache.DisposeReleased();
            ReportCacheBytes();
        }
    }

    private void Admit()
    {
        List<(ChatJob Job, PromptCache.Entry? Kept, int Common)> admitted = [];
        lock (_gate)
        {
            var used = _active.Sum(j => j.Sequence.Count);
            while (_active.Count < _options.MaxParallelSequences && PeekNext() is { } next)
            {
                // A resumed request re-prompts its own tokens; only a new one looks for a kept conversation to continue.
                var hit = next.CompletionTokens == 0 ? _cache.FindLongestPrefix(next.CacheScope, next.Sequence) : null;
                var keptCells = hit?.Entry.Tokens.Count ?? 0;
                // Kept conversations give way to requests, least recently used first.
                while (used + _cache.Cells - keptCells + next.Sequence.Count + 1 > KvCells && _cache.ReleaseOldest(except: hit?.Entry))
                    _cache.DisposeReleased();
                // Wait for cells unless nothing else runs (then it must fit: prompts are checked against the limit).
                if (_active.Count > 0 && used + _cache.Cells - keptCells + next.Sequence.Count + 1 > KvCells)
                    break;
                TakeNext();
                if (hit is { } found)
                    _cache.Take(found.Entry);
                _active.Add(next);
                used += next.Sequence.Count;
                admitted.Add((next, hit?.Entry, hit?.Common ?? 0));
            }

            ReportCacheBytes();
        }

        foreach (var (job, kept, common) in admitted)
        {
            _metrics.QueueDepth.Add(-1, _modelTag);
            _metrics.ActiveSequences.Add(1, _modelTag);
            if (job.CompletionTokens == 0)
                _metrics.PromptTokens.Add(job.PromptTokenCount, _modelTag);
            job.ReportedQueuePosition = null;
            try
            {
                // At least the last prompt token is evaluated again: its logits give the first new token.
                var reuse = kept is null ? 0 : Math.Min(common, job.Sequence.Count - 1);
                job.Conversation = kept?.Conversation ?? _executor.Create();
                if (kept is not null)
                    job.Conversation.Modify((end, kv) =>
                    {
                        kv.Remove(reuse, end);
                        return reuse;
                    });
                job.CachedPromptTokens = reuse;
                _metrics.PromptTokensEvaluated.Add(job.Sequence.Count - reuse, _modelTag);
                _metrics.PromptCacheHitTokens.Add(reuse, _modelTag);
                job.Conversation.Prompt(CollectionsMarshal.AsSpan(job.Sequence)[reuse..], false);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Model {ModelId}: could not start a conversation", _modelId);
                Retire(job, FinishReason.Error, "The request could not be started.");
            }
        }
    }

    private ChatJob? PeekNext()
    {
        if (_resume.First is { } resumed)
            return resumed.Value;
        return _rotation.First is { } key ? _queues[key.Value].Peek() : null;
    }

    private void TakeNext()
    {
        _waitingCount--;
        if (_resume.First is not null)
        {
            _resume.RemoveFirst();
            return;
        }

        var key = _rotation.First!.Value;
        var queue = _queues[key];
        queue.Dequeue();
        _rotation.RemoveFirst();
        if (queue.Count > 0)
            _rotation.AddLast(key); // this key had its turn: go to the back
        else
            _queues.Remove(key);
    }

    private void ReportQueuePositions()
    {
        lock (_gate)
        {
            if (_waitingCount == 0)
                return;
            var position = 0;
            foreach (var job in _resume)
                Report(job, ++position);

            // Simulate the round-robin to know each job's turn.
            var cursors = _rotation.Select(k => ((IEnumerable<ChatJob>)_queues[k]).GetEnumerator()).ToList();
            while (cursors.Count > 0)
            {
                for (var i = 0; i < cursors.Count; i++)
                {
                    if (cursors[i].MoveNext())
                        Report(cursors[i].Current, ++position);
                    else
                        cursors.RemoveAt(i--);
                }
            }
        }

        static void Report(ChatJob job, int position)
        {
            if (job.ReportedQueuePosition == position)
                return;
            job.ReportedQueuePosition = position;
            job.Updates.Writer.TryWrite(job.Snapshot() with { QueuePosition = position });
        }
    }

    private void SampleActive()
    {
        var vocab = _weights.Vocab;
        foreach (var job in ActiveSnapshot())
        {
            var conversation = job.Conversation;
            if (conversation is null || conversation.RequiresInference)
                continue; // long prompt still being decoded in batch-sized pieces
            if (job.CancellationToken.IsCancellationRequested)
            {
                Retire(job, FinishReason.Cancelled);
                continue;
            }

            if (!conversation.RequiresSampling)
                continue;
            try
            {
                // Copied before sampling so the pipeline cannot have touched them; skipped entirely when not asked for.
                if (job.Sampling.LogProbs)
                    job.KeepLogits(conversation.Sample());
                var token = conversation.Sample(job.Sampler);
                if (!job.FirstTokenSeen)
                {
                    job.FirstTokenSeen = true;
                    _metrics.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(job.SubmittedAt).TotalSeconds, _modelTag);
                }

                if (token.IsEndOfGeneration(vocab))
                {
                    Retire(job, FinishReason.Stop);
                    continue;
                }

                job.Sequence.Add(token);
                job.CompletionTokens++;
                _metrics.CompletionTokens.Add(1, _modelTag);
                if (job.Sampling.LogProbs)
                    job.AddLogProb(_weights, token);
                job.Decoder.Add(token);
                if (job.AppendText(job.Decoder.Read()))
                    Retire(job, FinishReason.Stop);
                else if (job.CompletionTokens >= job.Sampling.MaxTokens || job.Sequence.Count >= SequenceLimit)
                    Retire(job, FinishReason.Length);
                else
                    job.PendingToken = token;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Model {ModelId}: sampling failed for one request", _modelId);
                Retire(job, FinishReason.Error, "Sampling failed.");
            }
        }
    }

    private void EvictToFit()
    {
        var used = ActiveSnapshot().Sum(j => j.Sequence.Count);
        lock (_gate)
        {
            // Kept conversations go before any running one is interrupted.
            while (used + _cache.Cells > KvCells && _cache.ReleaseOldest())
                _cache.DisposeReleased();
            ReportCacheBytes();
        }

        while (used > KvCells)
        {
            // The youngest conversation that sampled this step yields; its KV cells are freed by disposing it.
            var victim = ActiveSnapshot().LastOrDefault(j => j.PendingToken is not null);
            if (victim is null)
                break;
            if (ActiveCount == 1)
            {
                Retire(victim, FinishReason.Length);
                break;
            }

            victim.DisposeConversation();
            lock (_gate)
            {
                _active.Remove(victim);
                _resume.AddFirst(victim);
                _waitingCount++;
            }

            used -= victim.Sequence.Count;
            _metrics.ActiveSequences.Add(-1, _modelTag);
            _metrics.QueueDepth.Add(1, _modelTag);
            _metrics.Evictions.Add(1, _modelTag);
            _logger.LogInformation("Model {ModelId}: KV cache full, evicted one conversation to resume later", _modelId);
        }
    }

    private void PromptPendingTokens()
    {
        foreach (var job in ActiveSnapshot())
        {
            if (job.PendingToken is not { } token || job.Conversation is not { } conversation)
                continue;
            job.PendingToken = null;
            conversation.Prompt(token);
        }
    }

    private void Retire(ChatJob job, FinishReason reason, string? error = null)
    {
        bool removed;
        lock (_gate)
        {
            removed = _active.Remove(job);
            if (removed && reason != FinishReason.Error)
                Keep(job);
        }

        if (removed)
            _metrics.ActiveSequences.Add(-1, _modelTag);
        job.Complete(reason, error);
    }

    /// <summary>Moves a finished request's conversation into the prompt cache when it has a scope. Loop thread, under the lock.</summary>
    private void Keep(ChatJob job)
    {
        if (job.CacheScope is not { } scope || job.Conversation is not { RequiresInference: false, TokenCount: > 0 } conversation)
            return;
        // The KV cache holds the tokens decoded so far: the last sampled token may not have been fed back.
        var tokens = job.Sequence.GetRange(0, Math.Min(conversation.TokenCount, job.Sequence.Count));
        job.DetachConversation();
        if (!_cache.Add(scope, tokens, conversation))
            conversation.Dispose();
        ReportCacheBytes();
    }

    /// <summary>Brings the bytes gauge in line with the cache. Under the lock.</summary>
    private void ReportCacheBytes()
    {
        var bytes = _cache.Bytes;
        if (bytes == _reportedCacheBytes)
            return;
        _metrics.PromptCacheBytes.Add(bytes - _reportedCacheBytes, _modelTag);
        _reportedCacheBytes = bytes;
    }

    private void FailActive(string error)
    {
        foreach (var job in ActiveSnapshot())
            Retire(job, FinishReason.Error, error);
    }

    private void RequeueAllActive()
    {
        var jobs = ActiveSnapshot();
        foreach (var job in jobs)
            job.DisposeConversation();
        lock (_gate)
        {
            _active.Clear();
            for (var i = jobs.Count - 1; i >= 0; i--)
                _resume.AddFirst(jobs[i]);
            _waitingCount += jobs.Count;
        }

        _metrics.ActiveSequences.Add(-jobs.Count, _modelTag);
        _metrics.QueueDepth.Add(jobs.Count, _modelTag);
        _metrics.Evictions.Add(jobs.Count, _modelTag);
    }

    private void RecreateExecutor()
    {
        foreach (var job in ActiveSnapshot())
            job.DisposeConversation();
        DropWholeCache();
        try
        {
            _executor.Dispose();
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Model {ModelId}: disposing the failed executor threw", _modelId);
        }

        _executor = new BatchedExecutor(_weights, _contextParams);
    }

    private void DropWholeCache()
    {
        lock (_gate)
        {
            _cache.ReleaseAll();
            _cache.DisposeReleased();
            ReportCacheBytes();
        }
    }

    private List<ChatJob> ActiveSnapshot()
    {
        lock (_gate)
            return [.. _active];
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Model {ModelId}: scheduler loop ended with an error", _modelId);
        }

        FailActive("The model was unloaded.");
        List<ChatJob> waiting;
        lock (_gate)
        {
            waiting = [.. _resume, .. _queues.Values.SelectMany(q => q)];
            _resume.Clear();
            _queues.Clear();
            _rotation.Clear();
            _metrics.QueueDepth.Add(-_waitingCount, _modelTag);
            _waitingCount = 0;
        }

        foreach (var job in waiting)
            job.Complete(FinishReason.Error, "The model was unloaded.");
        _cacheDirectory.Unregister(this);
        DropWholeCache();
        _executor.Dispose();
        _stopping.Dispose();
    }
}
