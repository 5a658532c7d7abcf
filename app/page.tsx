export default function Home() {
  return (
    <main style={{ padding: 24 }}>
      <h1>Gigafactory</h1>
      <p>Run coding agents across a fleet of machines.</p>
    </main>
  );
}
