<%@ page contentType="text/html; charset=UTF-8" session="true" %><%@ include file="/WEB-INF/seen.jspf" %><!doctype html>
<html><head><title>Lab Tomcat</title><link rel="stylesheet" href="<%= base %>/static/site.css"></head>
<body><h1>Lab Tomcat</h1>
<form method="post" action="<%= base %>/submit/"><button>Send</button></form>
<script type="application/json" id="seen"><%= seen %></script>
</body></html>
