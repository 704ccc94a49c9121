using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Runtime.Messaging;

internal enum ReturnKind { Task, TaskOfT, ValueTask, ValueTaskOfT, Stream }

/// <summary>How a request shares its activation with others (see the mailbox).</summary>
internal enum Interleaving { Exclusive, ReadOnly, Always }

/// <summary>
/// One grain interface method as the runtime sees it: wire name, argument types (without the
/// CancellationToken), result shape, interleaving and timeout. Built once per method by reflection
/// and shared by the caller's proxy and the callee's activation.
/// </summary>
internal sealed class GrainMethod
{
    private static readonly ConcurrentDictionary<MethodInfo, GrainMethod> ByMethod = new();
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, GrainMethod>> ByInterface = new();

    private readonly Func<object, Task<object?>>? _awaitResult;
    private readonly Func<object, CancellationToken, IAsyncEnumerable<object?>>? _boxStream;

    private GrainMethod(MethodInfo method)
    {
        Method = method;
        var parameters = method.GetParameters();
        if (method.IsGenericMethodDefinition || parameters.Any(p => p.ParameterType.IsByRef))
            throw new NotSupportedException(
                $"grain method {method.DeclaringType}.{method.Name} must not be generic or take ref/out/in parameters");
        CancellationTokenIndex = Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken));
        ParameterCount = parameters.Length;
        ArgumentTypes = parameters.Where(p => p.ParameterType != typeof(CancellationToken))
            .Select(p => p.ParameterType).ToArray();
        // Name/arity: overloads by arity are fine; same-arity overloads are rejected in MethodsOf.
        Name = $"{method.Name}/{ArgumentTypes.Length}";

        var returnType = method.ReturnType;
        var generic = returnType.IsGenericType ? returnType.GetGenericTypeDefinition() : null;
        (Kind, ResultType) = returnType == typeof(Task) ? (ReturnKind.Task, null)
            : returnType == typeof(ValueTask) ? (ReturnKind.ValueTask, null)
            : generic == typeof(Task<>) ? (ReturnKind.TaskOfT, returnType.GetGenericArguments()[0])
            : generic == typeof(ValueTask<>) ? (ReturnKind.ValueTaskOfT, returnType.GetGenericArguments()[0])
            : generic == typeof(IAsyncEnumerable<>) ? (ReturnKind.Stream, returnType.GetGenericArguments()[0])
            : throw new NotSupportedException(
                $"grain method {method.DeclaringType}.{method.Name} must return Task, Task<T>, ValueTask, ValueTask<T> or IAsyncEnumerable<T>");

        Interleaving = method.IsDefined(typeof(AlwaysInterleaveAttribute)) ? Interleaving.Always
            : method.IsDefined(typeof(ReadOnlyAttribute)) ? Interleaving.ReadOnly
            : Interleaving.Exclusive;
        Timeout = method.GetCustomAttribute<CallTimeoutAttribute>()?.Timeout;

        var self = typeof(GrainMethod);
        if (Kind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT)
            _awaitResult = self.GetMethod(Kind == ReturnKind.TaskOfT ? nameof(AwaitTask) : nameof(AwaitValueTask),
                    BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(ResultType!).CreateDelegate<Func<object, Task<object?>>>();
        if (Kind == ReturnKind.Stream)
            _boxStream = self.GetMethod(nameof(BoxStream), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(ResultType!).CreateDelegate<Func<object, CancellationToken, IAsyncEnumerable<object?>>>();
    }

    public MethodInfo Method { get; }
    public string Name { get; }
    public Type[] ArgumentTypes { get; }
    public int CancellationTokenIndex { get; }
    public int ParameterCount { get; }
    public ReturnKind Kind { get; }

    /// <summary>T of Task&lt;T&gt;, ValueTask&lt;T&gt; or IAsyncEnumerable&lt;T&gt;; null for Task/ValueTask.</summary>
    public Type? ResultType { get; }

    public Interleaving Interleaving { get; }
    public TimeSpan? Timeout { get; }

    public static GrainMethod For(MethodInfo method) => ByMethod.GetOrAdd(method, static m => new GrainMethod(m));

    /// <summary>Methods of a grain interface and the interfaces it extends, by wire name.</summary>
    public static IReadOnlyDictionary<string, GrainMethod> MethodsOf(Type grainInterface) =>
        ByInterface.GetOrAdd(grainInterface, static type =>
        {
            var methods = new Dictionary<string, GrainMethod>(StringComparer.Ordinal);
            foreach (var m in type.GetInterfaces().Append(type).SelectMany(t => t.GetMethods()).Where(m => !m.IsStatic))
            {
                var method = For(m);
                if (!methods.TryAdd(method.Name, method))
                    throw new NotSupportedException($"{type}: two methods map to '{method.Name}'; rename one");
            }
            return methods;
        });

    /// <summary>Builds the full argument array: deserialized values plus the call's token in its slot.</summary>
    public object?[] BindArguments(IReadOnlyList<System.Text.Json.JsonElement> arguments, CancellationToken ct)
    {
        if (arguments.Count != ArgumentTypes.Length)
            throw new ArgumentException($"{Name} takes {ArgumentTypes.Length} arguments, got {arguments.Count}");
        var args = new object?[ParameterCount];
        for (int p = 0, a = 0; p < ParameterCount; p++)
            args[p] = p == CancellationTokenIndex ? ct : WireJson.FromElement(arguments[a], ArgumentTypes[a++]);
        return args;
    }

    /// <summary>Calls a Task/ValueTask-returning method and awaits its result (null for no result).</summary>
    public async Task<object?> InvokeUnaryAsync(object grain, object?[] args)
    {
        var returned = Method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, args, null)!;
        switch (Kind)
        {
            case ReturnKind.Task:
                await ((Task)returned).ConfigureAwait(true); // stay on the activation's scheduler
                return null;
            case ReturnKind.ValueTask:
                await ((ValueTask)returned).ConfigureAwait(true);
                return null;
            default:
                return await _awaitResult!(returned).ConfigureAwait(true);
        }
    }

    /// <summary>Calls an IAsyncEnumerable method; enumeration is lazy (the grain body runs on MoveNext).</summary>
    public IAsyncEnumerable<object?> InvokeStream(object grain, object?[] args, CancellationToken ct) =>
        _boxStream!(Method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, args, null)!, ct);

    private static async Task<object?> AwaitTask<T>(object task) => await ((Task<T>)task).ConfigureAwait(true);

    private static async Task<object?> AwaitValueTask<T>(object task) => await ((ValueTask<T>)task).ConfigureAwait(true);

    private static async IAsyncEnumerable<object?> BoxStream<T>(object stream, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in ((IAsyncEnumerable<T>)stream).WithCancellation(ct).ConfigureAwait(true))
            yield return item;
    }

    public override string ToString() => $"{Method.DeclaringType?.Name}.{Name}";
}
