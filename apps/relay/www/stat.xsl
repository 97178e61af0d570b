<?xml version="1.0" encoding="utf-8"?>
<!-- rtmp-server's stylesheet for its nginx-rtmp compatible /stat XML (served as /stat.xsl,
     named by the XML's xml-stylesheet instruction): one HTML table, a row per live stream
     and one per client. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="html" encoding="utf-8"/>

<xsl:template match="/rtmp">
  <html>
    <head><title>RTMP statistics</title>
      <style>table{border-collapse:collapse}td,th{padding:3px 8px;border:1px solid #ccc}
      .client td{color:#555}</style></head>
    <body>
      <p>Server <xsl:value-of select="nginx_version"/>, up <xsl:value-of select="uptime"/> s,
        in <xsl:value-of select="round(bw_in div 1000)"/> kb/s,
        out <xsl:value-of select="round(bw_out div 1000)"/> kb/s</p>
      <table id="streams">
        <tr><th>Application</th><th>Stream</th><th>Clients</th><th>In kb/s</th><th>Out kb/s</th>
          <th>Video kb/s</th><th>Audio kb/s</th><th>Size</th><th>FPS</th><th>Video</th>
          <th>Audio</th><th>State</th><th>Time (s)</th></tr>
        <xsl:apply-templates select="server/application/live/stream"/>
      </table>
    </body>
  </html>
</xsl:template>

<xsl:template match="stream">
  <tr class="stream">
    <td><xsl:value-of select="../../name"/></td>
    <td><xsl:value-of select="name"/></td>
    <td><xsl:value-of select="nclients"/></td>
    <td><xsl:value-of select="round(bw_in div 1000)"/></td>
    <td><xsl:value-of select="round(bw_out div 1000)"/></td>
    <td><xsl:value-of select="round(bw_video div 1000)"/></td>
    <td><xsl:value-of select="round(bw_audio div 1000)"/></td>
    <td><xsl:value-of select="meta/video/width"/>x<xsl:value-of select="meta/video/height"/></td>
    <td><xsl:value-of select="meta/video/frame_rate"/></td>
    <td><xsl:value-of select="meta/video/codec"/><xsl:text> </xsl:text>
      <xsl:value-of select="meta/video/profile"/><xsl:text> </xsl:text>
      <xsl:value-of select="meta/video/level"/></td>
    <td><xsl:value-of select="meta/audio/codec"/><xsl:text> </xsl:text>
      <xsl:value-of select="meta/audio/profile"/><xsl:text> </xsl:text>
      <xsl:value-of select="meta/audio/sample_rate"/></td>
    <td><xsl:choose><xsl:when test="publishing">live</xsl:when>
      <xsl:otherwise>idle</xsl:otherwise></xsl:choose></td>
    <td><xsl:value-of select="round(time div 1000)"/></td>
  </tr>
  <xsl:apply-templates select="client"/>
</xsl:template>

<xsl:template match="client">
  <tr class="client">
    <td/>
    <td>#<xsl:value-of select="id"/><xsl:text> </xsl:text>
      <xsl:choose><xsl:when test="publishing">publishing</xsl:when>
        <xsl:otherwise>playing</xsl:otherwise></xsl:choose></td>
    <td colspan="4"><xsl:value-of select="address"/>:<xsl:value-of select="port"/></td>
    <td>dropped <xsl:value-of select="dropped"/></td>
    <td colspan="5">A-V <xsl:value-of select="avsync"/> ms</td>
    <td><xsl:value-of select="round(time div 1000)"/></td>
  </tr>
</xsl:template>

</xsl:stylesheet>
