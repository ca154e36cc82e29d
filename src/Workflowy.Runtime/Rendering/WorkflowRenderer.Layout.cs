using System;
using System.Collections.Generic;

namespace Workflowy;

public static partial class WorkflowRenderer
{
    /// <summary>
    /// The layered layout (horizontal coordinates; rows give the vertical ones). Rows by depth; an edge spanning
    /// several rows gets a slot node in each row between, so it never crosses a box. Rows are ordered by barycentre:
    /// a first pass top to bottom, then sweeps up and down, keeping the order with the fewest crossings. Positions come
    /// from sweeps that put each node as near the mean position of its neighbours in the previous row as the row's
    /// order and spacing allow (an exact least-squares fit per row).
    /// </summary>
    private sealed class Layout
    {
        private const int OrderSweeps = 4;
        private const int PlacementSweeps = 4;

        private Layout(List<LayoutNode> nodes, List<Route> routes, int layerCount, double width)
        {
            Nodes = nodes;
            Routes = routes;
            LayerCount = layerCount;
            Width = width;
        }

        /// <summary>The task nodes (by task index) followed by the slot nodes of long edges.</summary>
        public List<LayoutNode> Nodes { get; }

        /// <summary>One route per edge, in edge order.</summary>
        public List<Route> Routes { get; }

        public int LayerCount { get; }

        /// <summary>The width of the widest row; node positions start at 0.</summary>
        public double Width { get; }

        public static Layout Build(Model model)
        {
            var count = model.Count;
            var depth = Depths(model);
            var nodes = new List<LayoutNode>(count);
            for (var i = 0; i < count; i++)
            {
                var width = TextWidth(model.Names[i], NameFontSize, bold: true);
                if (model.States is not null)
                {
                    width = Math.Max(width, TextWidth(StateText(model, i), StateFontSize, bold: false));
                }

                nodes.Add(new LayoutNode(i, depth[i], Math.Max(MinNodeWidth, Math.Ceiling(width + (2 * NodePadding))), slot: false));
            }

            // Routes, in edge order; an edge spanning more than one row gets a slot node in each row between.
            var routes = new List<Route>();
            for (var i = 0; i < count; i++)
            {
                foreach (var d in model.Dependencies[i])
                {
                    var chain = new List<int> { d };
                    for (var layer = depth[d] + 1; layer < depth[i]; layer++)
                    {
                        var slot = new LayoutNode(nodes.Count, layer, SlotWidth, slot: true);
                        nodes.Add(slot);
                        chain.Add(slot.Id);
                    }

                    chain.Add(i);
                    var route = new Route(routes.Count, d, i, chain.ToArray());
                    for (var k = 1; k < route.Chain.Length; k++)
                    {
                        var upper = nodes[route.Chain[k - 1]];
                        var lower = nodes[route.Chain[k]];
                        upper.Out.Add(route.Id);
                        upper.Successors.Add(lower);
                        lower.In.Add(route.Id);
                        lower.Predecessors.Add(upper);
                    }

                    routes.Add(route);
                }
            }

            var layerCount = 0;
            foreach (var node in nodes)
            {
                layerCount = Math.Max(layerCount, node.Layer + 1);
            }

            var layers = new List<LayoutNode>[layerCount];
            for (var l = 0; l < layerCount; l++)
            {
                layers[l] = new List<LayoutNode>();
            }

            foreach (var node in nodes)
            {
                layers[node.Layer].Add(node);
            }

            Order(layers);
            Place(layers);

            var minLeft = 0.0;
            var maxRight = 0.0;
            if (nodes.Count > 0)
            {
                minLeft = double.MaxValue;
                maxRight = double.MinValue;
                foreach (var node in nodes)
                {
                    minLeft = Math.Min(minLeft, node.Left);
                    maxRight = Math.Max(maxRight, node.Left + node.Width);
                }
            }

            foreach (var node in nodes)
            {
                node.Left -= minLeft;
            }

            // Ports: the edges into a box spread over its top, the edges out of it over its bottom, both ordered by
            // the position of the node at their other end, so they do not cross at the box.
            foreach (var node in nodes)
            {
                if (!node.Slot)
                {
                    AssignPorts(node, node.In, nodes, routes, incoming: true);
                    AssignPorts(node, node.Out, nodes, routes, incoming: false);
                }
            }

            return new Layout(nodes, routes, layerCount, maxRight - minLeft);
        }

        /// <summary>Longest-path depth: 0 without dependencies, else 1 + the deepest dependency.</summary>
        private static int[] Depths(Model model)
        {
            var count = model.Count;
            var depth = new int[count];
            var remaining = new int[count];
            var dependents = new List<int>[count];
            for (var i = 0; i < count; i++)
            {
                dependents[i] = new List<int>();
            }

            for (var i = 0; i < count; i++)
            {
                foreach (var d in model.Dependencies[i])
                {
                    dependents[d].Add(i);
                    remaining[i]++;
                }
            }

            var queue = new Queue<int>();
            for (var i = 0; i < count; i++)
            {
                if (remaining[i] == 0)
                {
                    queue.Enqueue(i);
                }
            }

            while (queue.Count > 0)
            {
                var d = queue.Dequeue();
                foreach (var i in dependents[d])
                {
                    depth[i] = Math.Max(depth[i], depth[d] + 1);
                    if (--remaining[i] == 0)
                    {
                        queue.Enqueue(i);
                    }
                }
            }

            return depth;
        }

        /// <summary>
        /// Orders the rows: the top row by task index, the others top to bottom by the mean rank of their
        /// predecessors (then by id); then sweeps up (by successors) and down (by predecessors), keeping the order
        /// with the fewest crossings. Ties keep the current order, so the result is deterministic.
        /// </summary>
        private static void Order(List<LayoutNode>[] layers)
        {
            if (layers.Length == 0)
            {
                return;
            }

            SetRanks(layers[0]);
            for (var l = 1; l < layers.Length; l++)
            {
                foreach (var node in layers[l])
                {
                    node.Key = node.Predecessors.Count == 0 ? -1 : MeanRank(node.Predecessors);
                    node.Rank = node.Id;
                }

                SortByKey(layers[l]);
            }

            var best = Snapshot(layers);
            var fewest = Crossings(layers);
            for (var sweep = 0; sweep < OrderSweeps && fewest > 0; sweep++)
            {
                for (var l = layers.Length - 2; l >= 0; l--)
                {
                    foreach (var node in layers[l])
                    {
                        node.Key = node.Successors.Count == 0 ? node.Rank : MeanRank(node.Successors);
                    }

                    SortByKey(layers[l]);
                }

                for (var l = 1; l < layers.Length; l++)
                {
                    foreach (var node in layers[l])
                    {
                        node.Key = node.Predecessors.Count == 0 ? node.Rank : MeanRank(node.Predecessors);
                    }

                    SortByKey(layers[l]);
                }

                var crossings = Crossings(layers);
                if (crossings < fewest)
                {
                    fewest = crossings;
                    best = Snapshot(layers);
                }
            }

            for (var l = 0; l < layers.Length; l++)
            {
                layers[l].Clear();
                layers[l].AddRange(best[l]);
                SetRanks(layers[l]);
            }
        }

        private static double MeanRank(List<LayoutNode> neighbours)
        {
            var sum = 0.0;
            foreach (var neighbour in neighbours)
            {
                sum += neighbour.Rank;
            }

            return sum / neighbours.Count;
        }

        /// <summary>Sorts a row by key, ties by the current rank (then id), and renumbers it.</summary>
        private static void SortByKey(List<LayoutNode> row)
        {
            row.Sort(static (a, b) =>
            {
                var byKey = a.Key.CompareTo(b.Key);
                if (byKey != 0)
                {
                    return byKey;
                }

                var byRank = a.Rank.CompareTo(b.Rank);
                return byRank != 0 ? byRank : a.Id.CompareTo(b.Id);
            });
            SetRanks(row);
        }

        private static void SetRanks(List<LayoutNode> row)
        {
            for (var r = 0; r < row.Count; r++)
            {
                row[r].Rank = r;
            }
        }

        private static LayoutNode[][] Snapshot(List<LayoutNode>[] layers)
        {
            var copy = new LayoutNode[layers.Length][];
            for (var l = 0; l < layers.Length; l++)
            {
                copy[l] = layers[l].ToArray();
            }

            return copy;
        }

        /// <summary>The number of pairs of edges that cross between adjacent rows, for the current ranks.</summary>
        private static long Crossings(List<LayoutNode>[] layers)
        {
            long crossings = 0;
            var edges = new List<(int Upper, int Lower)>();
            for (var l = 0; l + 1 < layers.Length; l++)
            {
                edges.Clear();
                foreach (var node in layers[l])
                {
                    foreach (var successor in node.Successors)
                    {
                        edges.Add((node.Rank, successor.Rank));
                    }
                }

                for (var a = 0; a < edges.Count; a++)
                {
                    for (var b = a + 1; b < edges.Count; b++)
                    {
                        if ((long)(edges[a].Upper - edges[b].Upper) * (edges[a].Lower - edges[b].Lower) < 0)
                        {
                            crossings++;
                        }
                    }
                }
            }

            return crossings;
        }

        /// <summary>
        /// Horizontal positions: rows packed, then sweeps down (each node towards the mean centre of its
        /// predecessors) and up (towards its successors), ending with a sweep down.
        /// </summary>
        private static void Place(List<LayoutNode>[] layers)
        {
            foreach (var row in layers)
            {
                var right = 0.0;
                for (var r = 0; r < row.Count; r++)
                {
                    row[r].Left = r == 0 ? 0 : right + Gap(row[r - 1], row[r]);
                    right = row[r].Left + row[r].Width;
                }
            }

            for (var sweep = 0; sweep <= PlacementSweeps; sweep++)
            {
                for (var l = 1; l < layers.Length; l++)
                {
                    PlaceRow(layers[l], down: true);
                }

                if (sweep == PlacementSweeps)
                {
                    break;
                }

                for (var l = layers.Length - 2; l >= 0; l--)
                {
                    PlaceRow(layers[l], down: false);
                }
            }
        }

        private static double Gap(LayoutNode left, LayoutNode right) => left.Slot || right.Slot ? SlotGap : NodeGap;

        /// <summary>
        /// Places an ordered row as near the wanted centres as its order and spacing allow, minimising the weighted
        /// squared distance (pool-adjacent-violators on the positions less their minimal offsets). A node's wanted
        /// centre is the mean centre of its neighbours in the row above (<paramref name="down"/>) or below; a node
        /// without such neighbours wants to stay where it is, weakly.
        /// </summary>
        private static void PlaceRow(List<LayoutNode> row, bool down)
        {
            var n = row.Count;
            if (n == 0)
            {
                return;
            }

            var offset = new double[n];
            var target = new double[n];
            var weight = new double[n];
            for (var r = 0; r < n; r++)
            {
                var node = row[r];
                offset[r] = r == 0 ? 0 : offset[r - 1] + row[r - 1].Width + Gap(row[r - 1], node);
                var neighbours = down ? node.Predecessors : node.Successors;
                double centre;
                if (neighbours.Count == 0)
                {
                    centre = node.Left + (node.Width / 2);
                    weight[r] = 0.25;
                }
                else
                {
                    centre = 0;
                    foreach (var neighbour in neighbours)
                    {
                        centre += neighbour.Left + (neighbour.Width / 2);
                    }

                    centre /= neighbours.Count;
                    weight[r] = 1;
                }

                target[r] = centre - (node.Width / 2) - offset[r];
            }

            // Pool adjacent violators: blocks of consecutive nodes sharing one value, merged while out of order.
            var blockSum = new double[n];
            var blockWeight = new double[n];
            var blockEnd = new int[n];
            var blocks = 0;
            for (var r = 0; r < n; r++)
            {
                blockSum[blocks] = weight[r] * target[r];
                blockWeight[blocks] = weight[r];
                blockEnd[blocks] = r;
                blocks++;
                while (blocks > 1 && blockSum[blocks - 2] / blockWeight[blocks - 2] > blockSum[blocks - 1] / blockWeight[blocks - 1])
                {
                    blockSum[blocks - 2] += blockSum[blocks - 1];
                    blockWeight[blocks - 2] += blockWeight[blocks - 1];
                    blockEnd[blocks - 2] = blockEnd[blocks - 1];
                    blocks--;
                }
            }

            var start = 0;
            for (var b = 0; b < blocks; b++)
            {
                var value = blockSum[b] / blockWeight[b];
                for (var r = start; r <= blockEnd[b]; r++)
                {
                    row[r].Left = value + offset[r];
                }

                start = blockEnd[b] + 1;
            }
        }

        private static void AssignPorts(LayoutNode node, List<int> routeIds, List<LayoutNode> nodes, List<Route> routes, bool incoming)
        {
            var ends = new List<(double OtherX, int Route)>(routeIds.Count);
            foreach (var routeId in routeIds)
            {
                var chain = routes[routeId].Chain;
                var other = nodes[incoming ? chain[^2] : chain[1]];
                ends.Add((other.Left + (other.Width / 2), routeId));
            }

            ends.Sort(static (a, b) =>
            {
                var byX = a.OtherX.CompareTo(b.OtherX);
                return byX != 0 ? byX : a.Route.CompareTo(b.Route);
            });

            // Spread over the middle of the side, at most 24 apart.
            var spacing = Math.Min(24, (node.Width - 16) / Math.Max(1, ends.Count));
            var first = node.Left + (node.Width / 2) - (spacing * (ends.Count - 1) / 2);
            for (var k = 0; k < ends.Count; k++)
            {
                var route = routes[ends[k].Route];
                var x = first + (spacing * k);
                if (incoming)
                {
                    route.EndX = x;
                }
                else
                {
                    route.StartX = x;
                }
            }
        }
    }

    private sealed class LayoutNode(int id, int layer, double width, bool slot)
    {
        public int Id { get; } = id;

        public int Layer { get; } = layer;

        public double Width { get; } = width;

        /// <summary>A slot an edge passes through, not a task.</summary>
        public bool Slot { get; } = slot;

        /// <summary>The routes that end here (one per incoming edge piece).</summary>
        public List<int> In { get; } = new();

        /// <summary>The routes that start here.</summary>
        public List<int> Out { get; } = new();

        /// <summary>The nodes in the row above joined to this one (with repeats for repeated edges).</summary>
        public List<LayoutNode> Predecessors { get; } = new();

        /// <summary>The nodes in the row below joined to this one.</summary>
        public List<LayoutNode> Successors { get; } = new();

        /// <summary>The position in its row.</summary>
        public int Rank { get; set; }

        /// <summary>The sort key of the current ordering sweep.</summary>
        public double Key { get; set; }

        public double Left { get; set; }
    }

    private sealed class Route(int id, int from, int to, int[] chain)
    {
        public int Id { get; } = id;

        public int From { get; } = from;

        public int To { get; } = to;

        /// <summary>Layout node ids from the dependency to the dependent, slots between.</summary>
        public int[] Chain { get; } = chain;

        public double StartX { get; set; }

        public double EndX { get; set; }
    }
}
