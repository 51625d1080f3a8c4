using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Stacks;

namespace OpsRunbook.Engine.Stacks
{
    /// <summary>A service of a stack: the containers that run it, what it needs first, and how to tell it is ready.</summary>
    /// <param name="Containers">Empty for a service that runs elsewhere: it is waited for, never started or stopped.</param>
    /// <param name="Probe">The inventory's probe; null to go by the containers' own HEALTHCHECK.</param>
    public sealed record StackService(string Name, IReadOnlyList<string> Containers, IReadOnlyList<string> DependsOn, ProbeTarget? Probe);

    /// <summary>
    /// The order to start a stack in: levels of services whose dependencies are all in earlier levels.
    /// Services of one level start together; stopping goes through the levels backwards.
    /// </summary>
    public sealed class StackPlan
    {
        private StackPlan(string stack, IReadOnlyList<IReadOnlyList<StackService>> levels)
        {
            Stack = stack;
            Levels = levels;
        }

        public string Stack { get; }

        public IReadOnlyList<IReadOnlyList<StackService>> Levels { get; }

        public IEnumerable<StackService> Services => Levels.SelectMany(l => l);

        /// <summary>The same order with only the services kept (those confirmed, say).</summary>
        public StackPlan Keep(Func<StackService, bool> keep) =>
            new(Stack, Levels.Select(l => (IReadOnlyList<StackService>)l.Where(keep).ToList()).Where(l => l.Count > 0).ToList());

        /// <param name="selected">Services asked for (wildcards allowed); all when empty.</param>
        /// <param name="withDependencies">Add what the selected services depend on, as `docker compose up api` does.</param>
        public static StackPlan Create(string stack, IReadOnlyList<StackService> services, IReadOnlyCollection<string> selected, bool withDependencies)
        {
            var byName = services.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var literal in selected.Where(s => !NamePattern.HasWildcards(s) && !byName.ContainsKey(s)))
            {
                throw new OpsRunbookException(StackErrors.ServiceNotFound, FailureCategory.ObjectNotFound,
                    $"The stack '{stack}' has no service '{literal}'. It has: {string.Join(", ", services.Select(s => s.Name))}.",
                    literal, "Use one of the service names listed.");
            }

            var chosen = new HashSet<string>(
                selected.Count == 0 ? byName.Keys : byName.Keys.Where(n => selected.Any(p => NamePattern.IsMatch(n, p))),
                StringComparer.OrdinalIgnoreCase);
            if (withDependencies)
            {
                var pending = new Queue<string>(chosen);
                while (pending.TryDequeue(out var name))
                {
                    foreach (var dependency in byName[name].DependsOn.Where(d => byName.ContainsKey(d) && chosen.Add(d)))
                    {
                        pending.Enqueue(dependency);
                    }
                }
            }

            // Kahn's algorithm by levels; dependencies outside the chosen set do not hold anything back.
            var remaining = services.Where(s => chosen.Contains(s.Name)).ToList();
            var placed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var levels = new List<IReadOnlyList<StackService>>();
            while (remaining.Count > 0)
            {
                var level = remaining.Where(s => s.DependsOn.All(d => placed.Contains(d) || !chosen.Contains(d))).ToList();
                if (level.Count == 0)
                {
                    throw new OpsRunbookException(StackErrors.StackDependencyCycle, FailureCategory.InvalidData,
                        $"The services {string.Join(", ", remaining.Select(s => s.Name))} of '{stack}' depend on each other in a cycle, so there is no order to start them in.",
                        stack, "Remove one of the dependencies (DependsOn, or depends_on in the compose file).");
                }

                levels.Add(level);
                placed.UnionWith(level.Select(s => s.Name));
                remaining.RemoveAll(level.Contains);
            }

            return new StackPlan(stack, levels);
        }

        /// <summary>A compose project's services, from the labels on its containers.</summary>
        public static IReadOnlyList<StackService> FromCompose(IEnumerable<ServiceContainer> containers) =>
            containers.Where(c => c.Service is not null)
                .GroupBy(c => c.Service!, StringComparer.OrdinalIgnoreCase)
                .Select(g => new StackService(g.Key, g.Select(c => c.Name).ToList(), g.SelectMany(c => c.DependsOn).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), null))
                .ToList();
    }
}
