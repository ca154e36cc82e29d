using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;

namespace Workflowy;

/// <summary>
/// The handles of a run, by index, in chunks of 1,024: appending never copies more than the first chunk and never
/// allocates on the large-object heap, however many tasks a run gets. The first chunk starts at the size asked for
/// (a graph's task count) and doubles up to 1,024. Appends are made under the run's tasks lock; reads of an index
/// below a count read under that lock need none.
/// </summary>
internal sealed class HandleList
{
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private TaskHandle[][] _chunks;

    public HandleList(int capacity)
    {
        var chunks = Math.Max(1, (capacity + ChunkMask) >> ChunkShift);
        _chunks = new TaskHandle[chunks][];
        _chunks[0] = new TaskHandle[Math.Min(Math.Max(capacity, 1), ChunkSize)];
        for (var i = 1; i < chunks; i++)
        {
            _chunks[i] = new TaskHandle[ChunkSize];
        }
    }

    public TaskHandle this[int index]
    {
        get => Volatile.Read(ref _chunks)[index >> ChunkShift][index & ChunkMask];
        set => Chunk(index >> ChunkShift, index & ChunkMask)[index & ChunkMask] = value;
    }

    /// <summary>A read-only view of the first <paramref name="count"/> handles.</summary>
    public IReadOnlyList<TaskHandle> View(int count) => new ListView(this, count);

    private TaskHandle[] Chunk(int chunk, int slot)
    {
        var chunks = _chunks;
        if (chunk < chunks.Length && chunks[chunk] is { } existing)
        {
            if (slot < existing.Length)
            {
                return existing;
            }

            // The first chunk, grown by doubling (the others are full-size).
            var larger = new TaskHandle[Math.Min(Math.Max(existing.Length * 2, slot + 1), ChunkSize)];
            Array.Copy(existing, larger, existing.Length);
            var replaced = (TaskHandle[][])chunks.Clone();
            replaced[chunk] = larger;
            Volatile.Write(ref _chunks, replaced);
            return larger;
        }

        if (chunk >= chunks.Length)
        {
            var grown = new TaskHandle[Math.Max(chunk + 1, chunks.Length * 2)][];
            Array.Copy(chunks, grown, chunks.Length);
            chunks = grown;
        }

        var created = new TaskHandle[ChunkSize];
        chunks[chunk] = created;
        Volatile.Write(ref _chunks, chunks);
        return created;
    }

    private sealed class ListView(HandleList list, int count) : IReadOnlyList<TaskHandle>
    {
        public int Count => count;

        public TaskHandle this[int index] =>
            (uint)index < (uint)count ? list[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<TaskHandle> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return list[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
